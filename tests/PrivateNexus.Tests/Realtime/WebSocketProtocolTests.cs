using System.Text.Json.Nodes;
using PrivateNexus.Tests.Infrastructure;

namespace PrivateNexus.Tests.Realtime;

/// <summary>
/// graphql-transport-ws, message by message, with a client whose every frame the test writes: the
/// conversation that works, and each violation with the close code the protocol prescribes.
/// SQLite only: the transport does not depend on the database.
/// </summary>
public abstract class WebSocketProtocolTests(PnxApp app) : AppTests(app)
{
    private async Task<string> AdminTokenAsync() => (await App.AdminAsync()).Token!;

    [Fact]
    public async Task A_query_runs_over_the_socket_after_the_ack_and_completes()
    {
        await using var ws = await GraphQLWsClient.ReadyAsync(App, await AdminTokenAsync());
        Assert.Equal("graphql-transport-ws", ws.SubProtocol);

        await ws.SubscribeAsync("q1", "{ me { email } }");
        var next = await ws.ReceiveForAsync("q1");
        Assert.Equal("next", next["type"]!.GetValue<string>());
        Assert.Equal(PnxApp.AdminEmail, next["payload"]!["data"]!["me"]!["email"]!.GetValue<string>());
        var complete = await ws.ReceiveForAsync("q1");
        Assert.Equal("complete", complete["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_mutation_over_the_socket_is_pushed_to_a_subscriber_of_the_audit_trail()
    {
        var token = await AdminTokenAsync();
        await using var watcher = await GraphQLWsClient.ReadyAsync(App, token);
        await watcher.SubscribeAsync("audit", "subscription { auditEventAdded { action targetId outcome } }");

        // The subscription is live once the server has set it up; a ping/pong round trip orders that.
        await watcher.SendAsync(new { type = "ping" });
        Assert.Equal("pong", (await watcher.ReceiveAsync())!["type"]!.GetValue<string>());

        await using var writer = await GraphQLWsClient.ReadyAsync(App, token);
        var slug = Unique("ws");
        await writer.SubscribeAsync("m1", "mutation($i: CreateClientInput!) { createClient(input: $i) { id } }", new { i = new { name = slug, slug } });
        var created = await writer.ReceiveForAsync("m1");
        var clientId = created["payload"]!["data"]!["createClient"]!["id"]!.GetValue<string>();

        var seen = await NextUntilAsync(watcher, "audit", e => e["targetId"]?.GetValue<string>() == clientId);
        Assert.Equal("client.create", seen["action"]!.GetValue<string>());
        Assert.Equal("SUCCESS", seen["outcome"]!.GetValue<string>());
    }

    [Fact]
    public async Task Ping_is_answered_with_pong_even_before_the_ack_and_the_server_pings_idle_sockets()
    {
        await using var ws = await GraphQLWsClient.ConnectAsync(App);
        await ws.SendAsync(new { type = "ping", payload = new { n = 1 } });
        Assert.Equal("pong", (await ws.ReceiveAsync(includePings: true))!["type"]!.GetValue<string>());
        await ws.SendAsync(new { type = "connection_init", payload = new { authorization = "Bearer " + await AdminTokenAsync() } });
        Assert.Equal("connection_ack", (await ws.ReceiveAsync())!["type"]!.GetValue<string>());

        // The test host pings every 2 s.
        var ping = await ws.ReceiveAsync(TimeSpan.FromSeconds(10), includePings: true);
        Assert.Equal("ping", ping!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_socket_without_the_subprotocol_is_closed_4406()
    {
        await using var ws = await GraphQLWsClient.ConnectAsync(App, subProtocol: null);
        var (code, _) = await ws.ClosedAsync();
        Assert.Equal(4406, code);
    }

    [Fact]
    public async Task No_connection_init_within_the_timeout_closes_4408()
    {
        await using var ws = await GraphQLWsClient.ConnectAsync(App);
        var (code, reason) = await ws.ClosedAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(4408, code);
        Assert.Equal("Connection initialisation timeout", reason);
    }

    [Fact]
    public async Task A_second_connection_init_closes_4429()
    {
        await using var ws = await GraphQLWsClient.ReadyAsync(App, await AdminTokenAsync());
        await ws.SendAsync(new { type = "connection_init" });
        var (code, reason) = await ws.ClosedAsync();
        Assert.Equal(4429, code);
        Assert.Equal("Too many initialisation requests", reason);
    }

    [Fact]
    public async Task Subscribe_before_the_ack_closes_4401()
    {
        await using var ws = await GraphQLWsClient.ConnectAsync(App);
        await ws.SubscribeAsync("1", "{ me { id } }");
        var (code, reason) = await ws.ClosedAsync();
        Assert.Equal(4401, code);
        Assert.Equal("Unauthorized", reason);
    }

    [Fact]
    public async Task A_duplicate_operation_id_closes_4409()
    {
        await using var ws = await GraphQLWsClient.ReadyAsync(App, await AdminTokenAsync());
        await ws.SubscribeAsync("dup", "subscription { auditEventAdded { id } }");
        await ws.SubscribeAsync("dup", "subscription { auditEventAdded { id } }");
        var (code, reason) = await ws.ClosedAsync();
        Assert.Equal(4409, code);
        Assert.Equal("Subscriber for dup already exists", reason);
    }

    [Fact]
    public async Task A_completed_operation_frees_its_id()
    {
        await using var ws = await GraphQLWsClient.ReadyAsync(App, await AdminTokenAsync());
        await ws.SubscribeAsync("again", "subscription { auditEventAdded { id } }");
        await ws.SendAsync(new { id = "again", type = "complete" });
        await ws.SubscribeAsync("again", "{ me { email } }");
        var next = await ws.ReceiveForAsync("again");
        Assert.Equal("next", next["type"]!.GetValue<string>());
        Assert.Equal(System.Net.WebSockets.WebSocketState.Open, ws.State);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[1,2]")]
    [InlineData("{\"payload\":{}}")]
    [InlineData("{\"type\":\"unknown\"}")]
    [InlineData("{\"type\":\"subscribe\",\"payload\":{\"query\":\"{ me { id } }\"}}")]
    [InlineData("{\"type\":\"subscribe\",\"id\":\"1\"}")]
    [InlineData("{\"type\":\"subscribe\",\"id\":\"1\",\"payload\":{\"query\":42}}")]
    [InlineData("{\"type\":\"connection_init\",\"payload\":\"token\"}")]
    public async Task A_malformed_message_closes_4400(string message)
    {
        await using var ws = await GraphQLWsClient.ConnectAsync(App);
        await ws.SendRawAsync(message);
        var (code, reason) = await ws.ClosedAsync();
        Assert.Equal(4400, code);
        Assert.StartsWith("Invalid message received", reason);
    }

    [Fact]
    public async Task An_invalid_or_missing_token_closes_4403()
    {
        await using (var ws = await GraphQLWsClient.ConnectAsync(App))
        {
            await ws.SendAsync(new { type = "connection_init", payload = new { authorization = "Bearer not-a-token" } });
            var (code, _) = await ws.ClosedAsync();
            Assert.Equal(4403, code);
        }

        await using (var ws = await GraphQLWsClient.ConnectAsync(App))
        {
            await ws.SendAsync(new { type = "connection_init" });
            var (code, reason) = await ws.ClosedAsync();
            Assert.Equal(4403, code);
            Assert.Contains("connection_init", reason);
        }
    }

    [Fact]
    public async Task A_token_on_the_upgrade_request_is_accepted_too()
    {
        await using var ws = await GraphQLWsClient.ConnectAsync(App, authorizationHeader: "Bearer " + await AdminTokenAsync());
        await ws.SendAsync(new { type = "connection_init" });
        Assert.Equal("connection_ack", (await ws.ReceiveAsync())!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_validation_error_is_an_error_message_and_the_socket_stays_open()
    {
        await using var ws = await GraphQLWsClient.ReadyAsync(App, await AdminTokenAsync());
        await ws.SubscribeAsync("bad", "subscription { noSuchField }");
        var error = await ws.ReceiveForAsync("bad");
        Assert.Equal("error", error["type"]!.GetValue<string>());
        Assert.NotEmpty(error["payload"]!.AsArray());

        await ws.SubscribeAsync("ok", "{ me { email } }");
        Assert.Equal("next", (await ws.ReceiveForAsync("ok"))["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_subscription_refused_by_the_rulebook_answers_not_found_and_completes()
    {
        var admin = await App.AdminAsync();
        var other = await admin.CreateClientAsync(Unique("other"));
        var mine = await admin.CreateClientAsync(Unique("mine"));
        var member = await App.MemberAsync(mine, "MEMBER");

        await using var ws = await GraphQLWsClient.ReadyAsync(App, member.Token!);
        await ws.SubscribeAsync("s", "subscription($c: ID) { serviceStatusChanged(clientId: $c) { kind } }", new { c = other });
        var next = await ws.ReceiveForAsync("s");
        Assert.Equal("next", next["type"]!.GetValue<string>());
        Assert.Equal("NOT_FOUND", next["payload"]!["errors"]![0]!["extensions"]!["code"]!.GetValue<string>());
        Assert.Equal("complete", (await ws.ReceiveForAsync("s"))["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_subscription_over_plain_http_is_refused()
    {
        var result = await (await App.AdminAsync()).SendAsync("subscription { auditEventAdded { id } }");
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, result.Status);
        Assert.Equal("SUBSCRIPTION_NEEDS_WEBSOCKET", result.ErrorCode);
    }

    [Fact]
    public async Task Disabling_the_user_closes_their_socket_4403()
    {
        var admin = await App.AdminAsync();
        var email = $"{Unique("ws")}@example.test";
        var userId = await admin.CreateUserAsync(email);
        var user = await App.SignedInAsync(email, AdminActions.Password);

        await using var ws = await GraphQLWsClient.ReadyAsync(App, user.Token!);
        await admin.DataAsync("mutation($id: ID!) { disableUser(id: $id) { id } }", new { id = userId });
        var (code, reason) = await ws.ClosedAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(4403, code);
        Assert.Contains("no longer active", reason);
    }

    /// <summary>The payloads of <c>next</c> messages for <paramref name="id"/> until one matches.</summary>
    internal static async Task<JsonNode> NextUntilAsync(GraphQLWsClient ws, string id, Func<JsonNode, bool> match)
    {
        while (true)
        {
            var message = await ws.ReceiveForAsync(id);
            Assert.Equal("next", message["type"]!.GetValue<string>());
            var data = message["payload"]!["data"]!.AsObject().First().Value!;
            if (match(data))
            {
                return data;
            }
        }
    }
}

public sealed class WebSocketProtocolTestsOnSqlite(SqliteApp app) : WebSocketProtocolTests(app);
