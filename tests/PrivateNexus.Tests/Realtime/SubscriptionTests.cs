using System.Text.Json.Nodes;
using PrivateNexus.Tests.Infrastructure;

namespace PrivateNexus.Tests.Realtime;

/// <summary>
/// Subscriptions end to end through the running server: changes made through the API reach the
/// subscribers who may see them — and nobody else — on both databases.
/// </summary>
public abstract class SubscriptionTests(PnxApp app) : AppTests(app)
{
    private const string ServiceEvents = "subscription($c: ID, $s: ID) { serviceStatusChanged(clientId: $c, serviceId: $s) { kind serviceId clientId service { name desiredState status } } }";

    [Fact]
    public async Task Service_changes_reach_a_subscriber_of_that_service_with_its_new_desired_state()
    {
        var admin = await App.AdminAsync();
        await admin.EnsureNodeAsync();
        var client = await admin.CreateClientAsync(Unique("sub"));
        var service = (await admin.CreateServiceAsync(client, "web"))["id"]!.GetValue<string>();

        await using var ws = await ReadySubscribedAsync(admin.Token!, "s", ServiceEvents, new { s = service });
        await admin.DataAsync("mutation($id: ID!) { stopService(id: $id) { id } }", new { id = service });
        var stopped = await WebSocketProtocolTests.NextUntilAsync(ws, "s", e => e["service"]?["desiredState"]?.GetValue<string>() == "STOPPED");
        Assert.Equal("CHANGED", stopped["kind"]!.GetValue<string>());
        Assert.Equal(client, stopped["clientId"]!.GetValue<string>());

        await admin.DataAsync("mutation($id: ID!) { deleteService(id: $id) }", new { id = service });
        var removed = await WebSocketProtocolTests.NextUntilAsync(ws, "s", e => e["kind"]!.GetValue<string>() == "REMOVED");
        Assert.Equal(service, removed["serviceId"]!.GetValue<string>());
        Assert.Null(removed["service"]);
    }

    [Fact]
    public async Task A_subscriber_of_client_A_never_receives_client_B_events_over_a_burst_of_mixed_changes()
    {
        var admin = await App.AdminAsync();
        await admin.EnsureNodeAsync();
        var a = await admin.CreateClientAsync(Unique("tenant-a"));
        var b = await admin.CreateClientAsync(Unique("tenant-b"));
        var ownerA = await App.MemberAsync(a, "OWNER");

        // Everything owner A may see: all services (no filter) and the audit trail of their clients.
        await using var services = await ReadySubscribedAsync(ownerA.Token!, "svc", ServiceEvents, new { });
        await using var audit = await ReadySubscribedAsync(ownerA.Token!, "audit", "subscription { auditEventAdded { clientId action } }", null);

        var inA = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            // Interleaved: B, A, B, A … and each service stopped once, so both kinds of event burst out together.
            var sb = (await admin.CreateServiceAsync(b, $"b{i}"))["id"]!.GetValue<string>();
            var sa = (await admin.CreateServiceAsync(a, $"a{i}"))["id"]!.GetValue<string>();
            inA.Add(sa);
            await Task.WhenAll(
                admin.DataAsync("mutation($id: ID!) { stopService(id: $id) { id } }", new { id = sb }),
                admin.DataAsync("mutation($id: ID!) { stopService(id: $id) { id } }", new { id = sa }));
        }

        // A sentinel in A, last: once it arrives, everything before it has been delivered (or withheld).
        var sentinel = (await admin.CreateServiceAsync(a, "sentinel"))["id"]!.GetValue<string>();
        var received = new List<JsonNode>();
        while (true)
        {
            var e = await NextAsync(services, "svc");
            received.Add(e);
            if (e["serviceId"]!.GetValue<string>() == sentinel)
            {
                break;
            }
        }

        Assert.All(received, e => Assert.Equal(a, e["clientId"]!.GetValue<string>()));
        Assert.Subset(received.Select(e => e["serviceId"]!.GetValue<string>()).ToHashSet(), inA.ToHashSet());

        var auditSeen = new List<JsonNode>();
        while (true)
        {
            var e = await NextAsync(audit, "audit");
            auditSeen.Add(e);
            if (e["action"]!.GetValue<string>() == "service.create" && auditSeen.Count(x => x["action"]!.GetValue<string>() == "service.create") == 7)
            {
                break;
            }
        }

        Assert.All(auditSeen, e => Assert.Equal(a, e["clientId"]!.GetValue<string>()));
    }

    [Fact]
    public async Task A_member_removed_from_the_client_stops_receiving_its_events()
    {
        var admin = await App.AdminAsync();
        await admin.EnsureNodeAsync();
        var client = await admin.CreateClientAsync(Unique("removal"));
        var email = $"{Unique("m")}@example.test";
        var userId = await admin.CreateUserAsync(email);
        await admin.AddMemberAsync(client, email, "MEMBER");
        var member = await App.SignedInAsync(email, AdminActions.Password);

        await using var ws = await ReadySubscribedAsync(member.Token!, "s", ServiceEvents, new { c = client });
        var first = (await admin.CreateServiceAsync(client, "before"))["id"]!.GetValue<string>();
        Assert.Equal(first, (await NextAsync(ws, "s"))["serviceId"]!.GetValue<string>());

        await admin.DataAsync("mutation($c: ID!, $u: ID!) { removeMember(clientId: $c, userId: $u) }", new { c = client, u = userId });
        await admin.CreateServiceAsync(client, "after");

        // Nothing more for this subscription: only keep-alive pings (and no next) within a few seconds.
        try
        {
            var more = await ws.ReceiveAsync(TimeSpan.FromSeconds(3));
            Assert.True(more is null || more["type"]!.GetValue<string>() != "next", more?.ToJsonString());
        }
        catch (OperationCanceledException)
        {
            // Nothing at all arrived: as it should be.
        }
    }

    [Fact]
    public async Task Deployment_progress_starts_with_the_deployment_as_it_is()
    {
        var admin = await App.AdminAsync();
        await admin.EnsureNodeAsync();
        var client = await admin.CreateClientAsync(Unique("deploy"));
        var created = await admin.DataAsync(
            "mutation($input: CreateServiceInput!) { createService(input: $input) { latestDeployment { id } } }",
            new { input = new { clientId = client, name = "web", spec = AdminActions.DefaultSpec() } });
        var deployment = created["createService"]!["latestDeployment"]!["id"]!.GetValue<string>();

        await using var ws = await GraphQLWsClient.ReadyAsync(App, admin.Token!);
        await ws.SubscribeAsync("d", "subscription($d: ID!) { deploymentProgress(deploymentId: $d) { id status kind } }", new { d = deployment });
        var now = await NextAsync(ws, "d");
        Assert.Equal(deployment, now["id"]!.GetValue<string>());
        Assert.Equal("PENDING", now["status"]!.GetValue<string>());
        Assert.Equal("CREATE", now["kind"]!.GetValue<string>());
    }

    [Fact]
    public async Task Node_changes_reach_staff_and_client_people_may_not_subscribe()
    {
        var admin = await App.AdminAsync();
        await using var ws = await ReadySubscribedAsync(admin.Token!, "n", "subscription { nodeStatusChanged { id name drained } }", null);
        var name = Unique("node");
        var node = (await admin.DataAsync(
            "mutation($input: CreateNodeInput!) { createNode(input: $input) { id } }",
            new { input = new { name, endpoint = "tcp://192.0.2.1:2376" } }))["createNode"]!["id"]!.GetValue<string>();
        var seen = await WebSocketProtocolTests.NextUntilAsync(ws, "n", e => e["id"]!.GetValue<string>() == node);
        Assert.Equal(name, seen["name"]!.GetValue<string>());

        var client = await admin.CreateClientAsync(Unique("nodes"));
        var owner = await App.MemberAsync(client, "OWNER");
        await using var refused = await GraphQLWsClient.ReadyAsync(App, owner.Token!);
        await refused.SubscribeAsync("n", "subscription { nodeStatusChanged { id } }");
        var answer = await refused.ReceiveForAsync("n");
        Assert.Equal("FORBIDDEN", answer["payload"]!["errors"]![0]!["extensions"]!["code"]!.GetValue<string>());
    }

    private async Task<GraphQLWsClient> ReadySubscribedAsync(string token, string id, string query, object? variables)
    {
        var ws = await GraphQLWsClient.ReadyAsync(App, token);
        await ws.SubscribeAsync(id, query, variables);

        // The server handles a socket's messages in order and sets the subscription up before it reads the
        // next one; a ping's pong therefore comes after the subscription is listening.
        await ws.SendAsync(new { type = "ping" });
        var pong = await ws.ReceiveAsync();
        Assert.Equal("pong", pong!["type"]!.GetValue<string>());
        return ws;
    }

    private static async Task<JsonNode> NextAsync(GraphQLWsClient ws, string id)
    {
        var message = await ws.ReceiveForAsync(id);
        Assert.True(message["type"]!.GetValue<string>() == "next", message.ToJsonString());
        return message["payload"]!["data"]!.AsObject().First().Value!;
    }
}

public sealed class SubscriptionTestsOnSqlite(SqliteApp app) : SubscriptionTests(app);

public sealed class SubscriptionTestsOnPostgres(PostgresApp app) : SubscriptionTests(app);
