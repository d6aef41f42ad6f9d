using PrivateNexus.Tests.Infrastructure;

namespace PrivateNexus.Tests.Features;

public abstract class NodeAndMembershipTests(PnxApp app) : AppTests(app)
{
    private const string CreateNode = "mutation($input: CreateNodeInput!) { createNode(input: $input) { id name tls labels { key value } drained } }";
    private const string Pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----";
    private const string KeyPem = "-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWtleS1tYXRlcmlhbA==\n-----END PRIVATE KEY-----";

    [Fact]
    public async Task Node_tls_key_is_write_only_and_encrypted_at_rest()
    {
        var admin = await App.AdminAsync();
        var node = (await admin.DataAsync(CreateNode, new
        {
            input = new
            {
                name = Unique("tls"),
                endpoint = "tcp://10.0.0.5:2376",
                tls = new { caCertificate = Pem, clientCertificate = Pem, clientKey = KeyPem },
                labels = new[] { new { key = "zone", value = "a" } },
            },
        }))["createNode"]!;
        Assert.True(node["tls"]!.GetValue<bool>());
        Assert.Equal("zone", node["labels"]![0]!["key"]!.GetValue<string>());
        var stored = await App.ReadStoredAsync("Nodes", "TlsClientKeyProtected", node["id"]!.GetValue<string>());
        Assert.NotNull(stored);
        Assert.DoesNotContain("c2VjcmV0LWtleS1tYXRlcmlhbA", stored, StringComparison.Ordinal);

        Assert.Equal("endpoint", (await admin.SendAsync(CreateNode, new { input = new { name = Unique("bad"), endpoint = "http://x" } })).ErrorField);
        Assert.Equal("tls.clientKey", (await admin.SendAsync(CreateNode, new { input = new { name = Unique("half"), endpoint = "tcp://h:2376", tls = new { clientCertificate = Pem } } })).ErrorField);
    }

    [Fact]
    public async Task Drained_nodes_take_no_new_services_and_nodes_in_use_cannot_be_removed()
    {
        var admin = await App.AdminAsync();
        var node = (await admin.DataAsync(CreateNode, new { input = new { name = Unique("drain"), endpoint = "tcp://10.0.0.6:2376" } }))["createNode"]!;
        var nodeId = node["id"]!.GetValue<string>();
        var clientId = await admin.CreateClientAsync(Unique("place"));
        var placed = await admin.DataAsync(
            "mutation($input: CreateServiceInput!) { createService(input: $input) { id node { id } } }",
            new { input = new { clientId, name = "pinned", nodeId, spec = AdminActions.DefaultSpec() } });
        Assert.Equal(nodeId, placed["createService"]!["node"]!["id"]!.GetValue<string>());
        Assert.Equal("CONFLICT", (await admin.SendAsync("mutation($id: ID!) { deleteNode(id: $id) }", new { id = nodeId })).ErrorCode);

        await admin.DataAsync("mutation($id: ID!) { updateNode(input: { id: $id, drained: true }) { drained } }", new { id = nodeId });
        var refused = await admin.SendAsync(
            "mutation($input: CreateServiceInput!) { createService(input: $input) { id } }",
            new { input = new { clientId, name = "second", nodeId, spec = AdminActions.DefaultSpec() } });
        Assert.Equal("nodeId", refused.ErrorField);

        // Owners cannot pick nodes at all; placement is automatic for them.
        var owner = await App.MemberAsync(clientId, "OWNER");
        var ownerPick = await owner.SendAsync(
            "mutation($input: CreateServiceInput!) { createService(input: $input) { id } }",
            new { input = new { clientId, name = "third", nodeId, spec = AdminActions.DefaultSpec() } });
        Assert.Equal("nodeId", ownerPick.ErrorField);
    }

    [Fact]
    public async Task Owners_manage_their_people_and_keep_at_least_one_owner()
    {
        var admin = await App.AdminAsync();
        var clientId = await admin.CreateClientAsync(Unique("people"));
        var ownerEmail = $"owner-{Guid.NewGuid():N}@example.test";
        var ownerId = await admin.CreateUserAsync(ownerEmail);
        await admin.AddMemberAsync(clientId, ownerEmail, "OWNER");
        var owner = await App.SignedInAsync(ownerEmail, AdminActions.Password);

        var newcomer = $"new-{Guid.NewGuid():N}@example.test";
        var added = (await owner.DataAsync(
            "mutation($c: ID!, $e: String!) { addMember(clientId: $c, email: $e, role: VIEWER) { invitationUrl membership { userId role } } }",
            new { c = clientId, e = newcomer }))["addMember"]!;
        Assert.Contains("/account/set-password?", added["invitationUrl"]!.GetValue<string>(), StringComparison.Ordinal);
        var userId = added["membership"]!["userId"]!.GetValue<string>();

        // Adding the same person with the same role again is a no-op; with another role a conflict.
        var again = await owner.DataAsync("mutation($c: ID!, $e: String!) { addMember(clientId: $c, email: $e, role: VIEWER) { invitationUrl } }", new { c = clientId, e = newcomer });
        Assert.Null(again["addMember"]!["invitationUrl"]);
        Assert.Equal("CONFLICT", (await owner.SendAsync("mutation($c: ID!, $e: String!) { addMember(clientId: $c, email: $e, role: OWNER) { invitationUrl } }", new { c = clientId, e = newcomer })).ErrorCode);

        await owner.DataAsync("mutation($c: ID!, $u: ID!) { changeMemberRole(clientId: $c, userId: $u, role: MEMBER) { role } }", new { c = clientId, u = userId });
        var members = (await owner.DataAsync("query($c: ID!) { client(id: $c) { members { role user { email } } } }", new { c = clientId }))["client"]!["members"]!.AsArray();
        Assert.Equal(2, members.Count);

        Assert.Equal("CONFLICT", (await owner.SendAsync("mutation($c: ID!, $u: ID!) { removeMember(clientId: $c, userId: $u) }", new { c = clientId, u = ownerId })).ErrorCode);
        await owner.DataAsync("mutation($c: ID!, $u: ID!) { removeMember(clientId: $c, userId: $u) }", new { c = clientId, u = userId });
        var after = (await owner.DataAsync("query($c: ID!) { client(id: $c) { members { userId } } }", new { c = clientId }))["client"]!["members"]!.AsArray();
        Assert.Single(after);
    }

    [Fact]
    public async Task Removed_member_loses_access_on_the_next_request()
    {
        var admin = await App.AdminAsync();
        var clientId = await admin.CreateClientAsync(Unique("gone"));
        var email = $"gone-{Guid.NewGuid():N}@example.test";
        var userId = await admin.CreateUserAsync(email);
        await admin.AddMemberAsync(clientId, email, "VIEWER");
        var viewer = App.WithToken((await App.SignInAsync(email, AdminActions.Password)).AccessToken);
        await viewer.DataAsync("query($c: ID!) { client(id: $c) { id } }", new { c = clientId });

        await admin.DataAsync("mutation($c: ID!, $u: ID!) { removeMember(clientId: $c, userId: $u) }", new { c = clientId, u = userId });
        Assert.Equal("NOT_FOUND", (await viewer.SendAsync("query($c: ID!) { client(id: $c) { id } }", new { c = clientId })).ErrorCode);
    }
}

public sealed class NodeAndMembershipTestsOnSqlite(SqliteApp app) : NodeAndMembershipTests(app);

public sealed class NodeAndMembershipTestsOnPostgres(PostgresApp app) : NodeAndMembershipTests(app);
