using System.Text.Json.Nodes;
using PrivateNexus.Tests.Infrastructure;

namespace PrivateNexus.Tests.Authorization;

/// <summary>
/// The people and objects the matrix runs against, built once per server (so once per provider):
/// clients A and B, a node, a service in each client, one signed-in user per role, a read-only
/// personal token, an automation client bound to A, and spare targets for the refused mutations.
/// Cases that succeed in changing or deleting something make fresh objects through <see cref="Fresh"/>.
/// </summary>
public sealed class AuthzWorld
{
    public const string Password = "authz-matrix-password";

    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static readonly Dictionary<string, AuthzWorld> Worlds = [];

    private readonly Dictionary<Caller, GraphQLClient> _callers = [];
    private readonly Dictionary<Caller, string> _actorIds = [];
    private readonly Dictionary<Caller, string> _emails = [];

    private AuthzWorld(PnxApp app, GraphQLClient root)
    {
        App = app;
        Root = root;
        Fresh = new FreshObjects(this);
    }

    public PnxApp App { get; }

    /// <summary>The bootstrap admin: builds the world and re-reads it to check what a case did or did not change.</summary>
    public GraphQLClient Root { get; }

    public FreshObjects Fresh { get; }

    /// <summary>A short tag shared by this world's names, so searches find exactly its objects.</summary>
    public string Tag { get; } = "az" + Guid.NewGuid().ToString("N")[..8];

    public string ClientA { get; private set; } = "";

    public string ClientB { get; private set; } = "";

    public string NodeId { get; private set; } = "";

    public string ServiceA { get; private set; } = "";

    public string ServiceB { get; private set; } = "";

    /// <summary>A VIEWER of A only: the person looked up, and whose role refused callers try to change, in the own tenant.</summary>
    public string PawnA { get; private set; } = "";

    /// <summary>A VIEWER of B only: the same in the other tenant.</summary>
    public string PawnB { get; private set; } = "";

    /// <summary>A VIEWER of both A and B, to see which of their memberships each caller is shown.</summary>
    public string SharedUser { get; private set; } = "";

    /// <summary>An automation client of A (VIEWER) that refused callers try to revoke; never the calling one.</summary>
    public string SpareAppA { get; private set; } = "";

    public string SpareAppB { get; private set; } = "";

    public string SparePlatformApp { get; private set; } = "";

    /// <summary>A personal token of the owner of A besides the read-only one (the read-only token's "own" target).</summary>
    public (string Id, string Secret) OwnersSpareToken { get; private set; }

    /// <summary>A personal token of the bootstrap admin: "someone else's token" for every caller.</summary>
    public (string Id, string Secret) ForeignToken { get; private set; }

    public GraphQLClient As(Caller caller) => _callers[caller];

    /// <summary>The audit trail's actorId of the caller (user id, or the application's client_id).</summary>
    public string ActorIdOf(Caller caller) => _actorIds[caller];

    /// <summary>The e-mail of the user behind the caller (the read-only token belongs to the owner).</summary>
    public string? EmailOf(Caller caller) => _emails.GetValueOrDefault(caller);

    public string ClientOf(Tenant tenant) => tenant == Tenant.Other ? ClientB : ClientA;

    public string ServiceOf(Tenant tenant) => tenant == Tenant.Other ? ServiceB : ServiceA;

    public string PawnOf(Tenant tenant) => tenant == Tenant.Other ? PawnB : PawnA;

    public string SpareAppOf(Tenant tenant) => tenant switch
    {
        Tenant.Own => SpareAppA,
        Tenant.Other => SpareAppB,
        _ => SparePlatformApp,
    };

    public static async Task<AuthzWorld> ForAsync(PnxApp app)
    {
        await Gate.WaitAsync(TestContext.Current.CancellationToken);
        try
        {
            if (!Worlds.TryGetValue(app.Provider, out var world))
            {
                world = new AuthzWorld(app, await app.AdminAsync());
                await world.BuildAsync();
                Worlds[app.Provider] = world;
            }

            return world;
        }
        finally
        {
            Gate.Release();
        }
    }

    private async Task BuildAsync()
    {
        ClientA = await CreateClientAsync("a");
        ClientB = await CreateClientAsync("b");
        NodeId = Id(await Root.DataAsync(
            "mutation($n: String!) { createNode(input: { name: $n, endpoint: \"unix:///var/run/docker.sock\" }) { id } }",
            new { n = Tag + "-node" }), "createNode");
        ServiceA = await Fresh.ServiceAsync(ClientA, Tag + "-svc-a");
        ServiceB = await Fresh.ServiceAsync(ClientB, Tag + "-svc-b");

        await AddUserAsync(Caller.Admin, "ADMIN", client: null, role: null);
        await AddUserAsync(Caller.Operator, "OPERATOR", client: null, role: null);
        await AddUserAsync(Caller.Owner, "NONE", ClientA, "OWNER");
        await AddUserAsync(Caller.Member, "NONE", ClientA, "MEMBER");
        await AddUserAsync(Caller.Viewer, "NONE", ClientA, "VIEWER");
        _callers[Caller.Anonymous] = App.Anonymous();

        PawnA = await Fresh.MemberAsync(ClientA, "VIEWER");
        PawnB = await Fresh.MemberAsync(ClientB, "VIEWER");
        var sharedEmail = $"{Tag}-shared@example.test";
        SharedUser = await Fresh.MemberAsync(ClientA, "VIEWER", sharedEmail);
        await Fresh.MemberAsync(ClientB, "VIEWER", sharedEmail);

        // The read-only token belongs to the owner of A, so every refusal it gets is for lack of scope.
        var owner = As(Caller.Owner);
        var readOnly = await CreateTokenAsync(owner, ["api:read"]);
        _callers[Caller.ReadOnlyToken] = App.WithToken(readOnly.Secret);
        _actorIds[Caller.ReadOnlyToken] = _actorIds[Caller.Owner];
        _emails[Caller.ReadOnlyToken] = _emails[Caller.Owner];
        OwnersSpareToken = await CreateTokenAsync(owner, ["api:read", "api:write"]);
        ForeignToken = await CreateTokenAsync(Root, ["api:read"]);

        var app = await Fresh.AutomationClientAsync(ClientA, "OWNER");
        _callers[Caller.Automation] = App.WithToken(await ClientCredentialsTokenAsync(app.ClientId, app.Secret));
        _actorIds[Caller.Automation] = app.ClientId;
        SpareAppA = (await Fresh.AutomationClientAsync(ClientA, "VIEWER")).Id;
        SpareAppB = (await Fresh.AutomationClientAsync(ClientB, "VIEWER")).Id;
        SparePlatformApp = (await Fresh.AutomationClientAsync(null, "OPERATOR")).Id;
    }

    private async Task<string> CreateClientAsync(string suffix)
    {
        var data = await Root.DataAsync(
            """
            mutation($name: String!, $slug: String!) {
              createClient(input: { name: $name, slug: $slug, imagePolicy: ["*"],
                                    quota: { cpuMillicores: 1000000, memoryMiB: 1000000, services: 5000 } }) { id }
            }
            """,
            new { name = $"{Tag} client {suffix}", slug = $"{Tag}-{suffix}" });
        return Id(data, "createClient");
    }

    /// <summary>A real user with a password, given its roles, then signed in through the code flow.</summary>
    private async Task AddUserAsync(Caller caller, string platformRole, string? client, string? role)
    {
        var email = $"{Tag}-{caller.ToString().ToLowerInvariant()}@example.test";
        var data = await Root.DataAsync(
            "mutation($e: String!, $p: String!, $r: PlatformRole!) { createUser(input: { email: $e, password: $p, platformRole: $r }) { user { id } } }",
            new { e = email, p = Password, r = platformRole });
        _actorIds[caller] = data["createUser"]!["user"]!["id"]!.GetValue<string>();
        _emails[caller] = email;
        if (client is not null)
        {
            await Fresh.MemberAsync(client, role!, email);
        }

        _callers[caller] = await App.SignedInAsync(email, Password);
    }

    private static async Task<(string Id, string Secret)> CreateTokenAsync(GraphQLClient user, string[] scopes)
    {
        var data = await user.DataAsync(
            "mutation($s: [String!]) { createApiToken(input: { name: \"authz matrix\", scopes: $s }) { apiToken { id } secret } }",
            new { s = scopes });
        var payload = data["createApiToken"]!;
        return (payload["apiToken"]!["id"]!.GetValue<string>(), payload["secret"]!.GetValue<string>());
    }

    /// <summary>An access token for an automation client, by the client-credentials grant.</summary>
    public async Task<string> ClientCredentialsTokenAsync(string clientId, string secret)
    {
        using var http = App.Http();
        var (status, body) = await OAuthFlow.TokenAsync(http, new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = clientId,
            ["client_secret"] = secret,
            ["scope"] = "api:read api:write",
        });
        return OAuthFlow.ToTokens(body)?.AccessToken ?? throw new InvalidOperationException($"Client credentials failed: {(int)status} {body}");
    }

    internal static string Id(JsonNode data, string field) => data[field]!["id"]!.GetValue<string>();
}
