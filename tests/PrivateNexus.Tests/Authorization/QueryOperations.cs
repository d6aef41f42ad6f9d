using System.Text.Json.Nodes;

namespace PrivateNexus.Tests.Authorization;

/// <summary>How the matrix asks each query (and each nested field that reveals data).</summary>
internal static class QueryOperations
{
    public static readonly Dictionary<string, Func<MatrixContext, Task<Attempt>>> All = new()
    {
        // Client users see their membership of A (and nothing of B); platform staff have none.
        ["me"] = c => Task.FromResult(new Attempt("{ me { email memberships { clientId } } }")
        {
            Check = d => Done(() =>
            {
                Assert.Equal(c.World.EmailOf(c.Caller), d["me"]!.Str("email"));
                string[] expected = c.Caller is Caller.Admin or Caller.Operator ? [] : [c.World.ClientA];
                Assert.Equal(expected, d["me"]!.List("memberships").Ids("clientId"));
            }),
        }),

        ["client"] = c => Task.FromResult(new Attempt("query($id: ID!) { client(id: $id) { id name } }", new { id = c.ClientId })
        {
            Check = d => Done(() => Assert.Equal(c.ClientId, d["client"]!.Str("id"))),
        }),

        // Both A and B carry the world's tag in their slug: the search finds both, the rulebook filters.
        ["clients"] = c => Task.FromResult(new Attempt(
            "query($s: String) { clients(first: 100, search: $s) { items { id } } }", new { s = c.World.Tag })
        {
            Shows = d => d.Items("clients").Ids().Contains(c.ClientId),
        }),

        ["user"] = c => Task.FromResult(UserById(c.World.PawnOf(c.Tenant))),

        // "Self" is the user behind the credential; an application has none, so it asks for the owner of A.
        ["user(self)"] = c => Task.FromResult(UserById(c.World.ActorIdOf(c.Caller is Caller.Anonymous or Caller.Automation ? Caller.Owner : c.Caller))),

        ["users"] = _ => Task.FromResult(new Attempt("{ users(first: 1) { totalCount } }")),

        ["nodes"] = c => Task.FromResult(new Attempt("{ nodes { id } }")
        {
            Shows = d => d.List("nodes").Ids().Contains(c.World.NodeId),
        }),

        ["node"] = c => Task.FromResult(new Attempt("query($id: ID!) { node(id: $id) { id } }", new { id = c.World.NodeId })),

        ["service"] = c => Task.FromResult(new Attempt(
            "query($id: ID!) { service(id: $id) { id clientId } }", new { id = c.World.ServiceOf(c.Tenant) })
        {
            Check = d => Done(() => Assert.Equal(c.ClientId, d["service"]!.Str("clientId"))),
        }),

        // The shared service's newest deployment, read by its own id.
        ["deployment"] = async c =>
        {
            var latest = await c.Root.DataAsync("query($id: ID!) { service(id: $id) { latestDeployment { id } } }", new { id = c.World.ServiceOf(c.Tenant) });
            var id = latest["service"]!["latestDeployment"]!.Str("id");
            return new Attempt("query($id: ID!) { deployment(id: $id) { id serviceId } }", new { id })
            {
                Check = d => Done(() => Assert.Equal(c.World.ServiceOf(c.Tenant), d["deployment"]!.Str("serviceId"))),
            };
        },

        // Matches exactly the two shared services (fresh ones are named differently).
        ["services"] = c => Task.FromResult(new Attempt(
            "query($s: String) { services(first: 100, search: $s) { items { id clientId } } }", new { s = c.World.Tag + "-svc-" })
        {
            Shows = d => d.Items("services").Ids().Contains(c.World.ServiceOf(c.Tenant)),
        }),

        // The matrix world's node is paper (no engine runs): once the rulebook lets a caller through, the
        // read is refused as UNAVAILABLE, which is "allowed" here. Refusals must still be FORBIDDEN/NOT_FOUND.
        ["serviceLogs"] = c => Task.FromResult(new Attempt(
            "query($id: ID!) { serviceLogs(serviceId: $id) { truncated } }", new { id = c.World.ServiceOf(c.Tenant) })
        {
            AllowedError = "UNAVAILABLE",
        }),

        ["auditEvents(clientId)"] = c => Task.FromResult(new Attempt(
            "query($c: ID) { auditEvents(first: 20, clientId: $c) { items { clientId } } }", new { c = c.ClientId })
        {
            Check = d => Done(() => Assert.All(d.Items("auditEvents").Ids("clientId"), id => Assert.Equal(c.ClientId, id))),
        }),

        // Without clientId the trail is filtered for the caller: ask for the events about one tenant's service.
        ["auditEvents"] = c => Task.FromResult(new Attempt(
            "query($t: String) { auditEvents(first: 20, targetId: $t) { items { clientId targetId } } }", new { t = c.World.ServiceOf(c.Tenant) })
        {
            Shows = d => d.Items("auditEvents").Any(),
            Check = d => Done(() =>
            {
                if (c.Caller != Caller.Admin)
                {
                    Assert.All(d.Items("auditEvents").Ids("clientId"), id => Assert.Equal(c.World.ClientA, id));
                }
            }),
        }),

        ["apiTokens"] = _ => Task.FromResult(new Attempt("{ apiTokens { id } }")),

        ["automationClients(organisationId)"] = c => Task.FromResult(new Attempt(
            "query($o: ID) { automationClients(organisationId: $o) { id organisationId } }", new { o = c.ClientId })
        {
            Shows = d => d.List("automationClients").Ids().Contains(c.World.SpareAppOf(c.Tenant)),
            Check = d => Done(() => Assert.All(d.List("automationClients").Ids("organisationId"), id => Assert.Equal(c.ClientId, id))),
        }),

        ["automationClients"] = c => Task.FromResult(new Attempt("{ automationClients { id } }")
        {
            Shows = d => d.List("automationClients").Ids().Contains(c.World.SparePlatformApp),
        }),

        ["Client.members"] = c => Task.FromResult(new Attempt(
            "query($id: ID!) { client(id: $id) { members { userId role } } }", new { id = c.ClientId })
        {
            Shows = d => d["client"]!.List("members").Ids("userId").Contains(c.World.PawnOf(c.Tenant)),
        }),

        ["Service.node"] = c => Task.FromResult(new Attempt(
            "query($id: ID!) { service(id: $id) { node { id } } }", new { id = c.World.ServiceOf(c.Tenant) })
        {
            Shows = d => d["service"]!["node"] is not null,
            Check = d => Done(() => Assert.True(d["service"]!["node"] is null || d["service"]!["node"]!.Str("id") == c.World.NodeId)),
        }),

        ["User.memberships"] = c => Task.FromResult(new Attempt(
            "query($id: ID!) { client(id: $id) { members { userId user { memberships { clientId } } } } }", new { id = c.World.ClientA })
        {
            Shows = d => SharedUsersMemberships(c, d).Contains(c.ClientId),
            Check = d => Done(() =>
            {
                if (c.Caller is not (Caller.Admin or Caller.Operator))
                {
                    Assert.All(SharedUsersMemberships(c, d), id => Assert.Equal(c.World.ClientA, id));
                }
            }),
        }),
    };

    private static Attempt UserById(string id) => new("query($id: ID!) { user(id: $id) { id email } }", new { id })
    {
        Check = d => Done(() => Assert.Equal(id, d["user"]!.Str("id"))),
    };

    private static List<string> SharedUsersMemberships(MatrixContext c, JsonNode data) =>
    [
        .. data["client"]!.List("members")
            .Where(m => m.Str("userId") == c.World.SharedUser)
            .SelectMany(m => m["user"]!.List("memberships").Ids("clientId")),
    ];

    private static Task Done(Action check)
    {
        check();
        return Task.CompletedTask;
    }
}
