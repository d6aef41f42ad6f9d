using System.Text.Json.Nodes;
using Docker.DotNet.Models;
using PrivateNexus.Tests.Infrastructure;

namespace PrivateNexus.Tests.Alerts;

/// <summary>
/// Alerts against the real Docker engine: containers are killed behind the server's back, the state
/// mirror sees it, the evaluator fires and resolves, the bus and the webhook tell whoever may know.
/// </summary>
[Collection(nameof(AlertsEngineCollection))]
public sealed class AlertEngineTests : AppTests
{
    private const string Secret = "a-webhook-secret-of-the-client";
    private const string AlertsOf = "query($c: ID) { alerts(clientId: $c, first: 50) { items { id kind state targetId targetName summary lastValue startsAt endsAt transitions { state } } } }";
    private const string AlertEvents = "subscription($c: ID) { alertChanged(clientId: $c) { id kind state targetId clientId } }";

    private readonly AlertsEngineApp _engine;

    public AlertEngineTests(AlertsEngineApp app)
        : base(app)
    {
        app.Require();
        _engine = app;
    }

    [Fact]
    public async Task A_container_killed_repeatedly_fires_restart_loop_and_resolves_once_it_stops_restarting()
    {
        var admin = await App.AdminAsync();
        var client = await admin.CreateClientAsync(Unique("loop"));
        var service = await CreateRunningServiceAsync(admin, client, "worker", restartPolicy: "UNLESS_STOPPED");
        await CreateRuleAsync(admin, client, "restarts", "RESTART_LOOP", new { threshold = 3, window = "20s", @for = "0s", keepFiringFor = "0s" });
        await using var ws = await GraphQLWsClient.ReadyAsync(App, admin.Token!);
        await ws.SubscribeAsync("a", AlertEvents, new { c = client });
        await ws.SendAsync(new { type = "ping" });
        Assert.Equal("pong", (await ws.ReceiveAsync())!["type"]!.GetValue<string>());

        for (var kill = 0; kill < 3; kill++)
        {
            await KillAndWaitForRestartAsync(admin, service);
        }

        var fired = await NextAsync(ws, "FIRING");
        Assert.Equal(("RESTART_LOOP", service, client), (fired["kind"]!.GetValue<string>(), fired["targetId"]!.GetValue<string>(), fired["clientId"]!.GetValue<string>()));
        var firing = await OnlyAlertAsync(admin, client);
        Assert.True(firing["lastValue"]!.GetValue<double>() >= 3, firing.ToJsonString());
        Assert.Contains("restarted", firing["summary"]!.GetValue<string>(), StringComparison.Ordinal);

        // Fixed: no more kills. Once the restarts fall out of the 20 s window, it resolves.
        var resolved = await NextAsync(ws, "RESOLVED");
        Assert.Equal(fired["id"]!.GetValue<string>(), resolved["id"]!.GetValue<string>());
        var after = await OnlyAlertAsync(admin, client);
        Assert.Equal("RESOLVED", after["state"]!.GetValue<string>());
        Assert.NotNull(after["endsAt"]);
        Assert.Equal(["RESOLVED", "FIRING"], after["transitions"]!.AsArray().Select(t => t!["state"]!.GetValue<string>()));
    }

    [Fact]
    public async Task A_busy_container_fires_cpu_high_through_a_real_Prometheus_and_resolves_once_stopped()
    {
        Metrics.PrometheusServer.Require();
        var admin = await App.AdminAsync();
        var client = await admin.CreateClientAsync(Unique("cpu"));
        var idle = await CreateRunningServiceAsync(admin, client, "idle", restartPolicy: "UNLESS_STOPPED");
        var busy = await CreateRunningServiceAsync(admin, client, "busy", restartPolicy: "UNLESS_STOPPED", command: ["sh", "-c", "while :; do :; done"]);
        await CreateRuleAsync(admin, client, "cpu", "CPU_HIGH", new { threshold = 50.0, window = "30s", @for = "0s", keepFiringFor = "0s" });

        await using (await Metrics.PrometheusServer.StartAsync(App, port: _engine.PrometheusPort))
        {
            // The container's CPU seconds go from the engine's stats through /metrics and Prometheus's
            // rate() back into the evaluator: only the busy service's share of its 100 millicores is high.
            JsonNode? firing = null;
            Assert.True(
                await Eventually.TrueAsync(async () => (firing = (await AlertsAsync(admin, client)).SingleOrDefault(a => a!["state"]!.GetValue<string>() == "FIRING")) is not null, TimeSpan.FromSeconds(90)),
                "the busy service's CPU alert never fired");
            Assert.Equal(("CPU_HIGH", busy), (firing!["kind"]!.GetValue<string>(), firing["targetId"]!.GetValue<string>()));
            Assert.True(firing["lastValue"]!.GetValue<double>() >= 50, firing.ToJsonString());
            Assert.DoesNotContain(await AlertsAsync(admin, client), a => a!["targetId"]!.GetValue<string>() == idle);

            // Stopped: not meant to run, so not using its limit.
            await admin.DataAsync("mutation($id: ID!) { stopService(id: $id) { id } }", new { id = busy });
            Assert.True(
                await Eventually.TrueAsync(async () => (await AlertsAsync(admin, client)).Single()!["state"]!.GetValue<string>() == "RESOLVED", TimeSpan.FromSeconds(60)),
                "the alert never resolved after the service stopped");
        }
    }

    [Fact]
    public async Task The_webhook_gets_one_signed_payload_per_transition_and_other_tenants_hear_nothing()
    {
        var admin = await App.AdminAsync();
        var client = await admin.CreateClientAsync(Unique("hook"));
        var other = await admin.CreateClientAsync(Unique("other"));
        await using var receiver = new WebhookReceiver();
        var channel = (await admin.DataAsync(
            "mutation($input: CreateNotificationChannelInput!) { createNotificationChannel(input: $input) { id hasSecret } }",
            new { input = new { clientId = client, name = "ops hook", type = "WEBHOOK", url = receiver.Url, secret = Secret } }))["createNotificationChannel"]!;
        Assert.True(channel["hasSecret"]!.GetValue<bool>());

        // Docker's restart policy NO: a killed container stays down until someone acts. The rule comes
        // once it runs, or its first deployment would already count as down.
        var service = await CreateRunningServiceAsync(admin, client, "web", restartPolicy: "NO");
        await CreateRuleAsync(admin, client, "down", "SERVICE_DOWN", new { @for = "0s", keepFiringFor = "0s", repeatInterval = "1h", channelIds = new[] { channel["id"]!.GetValue<string>() } });
        var owner = await App.MemberAsync(client, "OWNER");
        var stranger = await App.MemberAsync(other, "OWNER");
        await using var own = await SubscribedAsync(owner, AlertEvents, new { c = (string?)null });
        await using var foreign = await SubscribedAsync(stranger, AlertEvents, new { c = (string?)null });

        var name = await InstanceNameAsync(admin, service);
        await _engine.Docker.Containers.KillContainerAsync(name, new ContainerKillParameters { Signal = "KILL" }, TestContext.Current.CancellationToken);
        var fired = await NextAsync(own, "FIRING");
        Assert.Equal(service, fired["targetId"]!.GetValue<string>());

        await admin.DataAsync("mutation($id: ID!) { restartService(id: $id) { id } }", new { id = service });
        await NextAsync(own, "RESOLVED");
        Assert.True(await Eventually.TrueAsync(() => Task.FromResult(receiver.Received.Count >= 2), TimeSpan.FromSeconds(30)), "both transitions reach the webhook");

        // Several more evaluations: nothing is sent twice (the repeat interval is an hour).
        await Task.Delay(TimeSpan.FromSeconds(4), TestContext.Current.CancellationToken);
        var hooks = receiver.Received.ToList();
        Assert.Equal(["alert.firing", "alert.resolved"], hooks.Select(h => h.Header("X-PrivateNexus-Event")));
        Assert.All(hooks, h => Assert.True(h.SignedWith(Secret), "the signature is the HMAC-SHA256 of the body"));
        Assert.All(hooks, h => Assert.False(h.SignedWith("another-secret-entirely"), "a wrong secret does not verify"));
        Assert.Equal(2, hooks.Select(h => h.Header("X-PrivateNexus-Delivery")).Distinct().Count());
        Assert.Equal(["FIRING", "RESOLVED"], hooks.Select(h => h.Json["alert"]!["state"]!.GetValue<string>()));
        Assert.All(hooks, h =>
        {
            Assert.Equal(fired["id"]!.GetValue<string>(), h.Json["alert"]!["id"]!.GetValue<string>());
            Assert.Equal(h.Header("X-PrivateNexus-Delivery"), h.Json["deliveryId"]!.GetValue<string>());
            var sentAt = DateTimeOffset.Parse(h.Json["sentAt"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(sentAt.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), h.Header("X-PrivateNexus-Timestamp"));
            Assert.Equal("application/json; charset=utf-8", h.Header("Content-Type"));
        });

        // The other tenant's owner, subscribed to everything they may see, heard of none of it.
        await foreign.SendAsync(new { type = "ping" });
        var first = await foreign.ReceiveAsync();
        Assert.Equal("pong", first!["type"]!.GetValue<string>());
        var seen = await stranger.SendAsync(AlertsOf, new { c = (string?)null });
        Assert.Empty(seen.Data!["alerts"]!["items"]!.AsArray());
        var refused = await stranger.SendAsync(AlertsOf, new { c = client });
        Assert.Equal("NOT_FOUND", refused.ErrorCode);
    }

    /// <summary>The next alert event of the given state on operation "a" (rounds of evaluation, a restart window: up to a minute).</summary>
    private static async Task<JsonNode> NextAsync(GraphQLWsClient ws, string state)
    {
        while (true)
        {
            var message = await ws.ReceiveForAsync("a", TimeSpan.FromSeconds(60));
            Assert.Equal("next", message["type"]!.GetValue<string>());
            var alert = message["payload"]!["data"]!["alertChanged"]!;
            if (alert["state"]!.GetValue<string>() == state)
            {
                return alert;
            }
        }
    }

    private async Task<GraphQLWsClient> SubscribedAsync(GraphQLClient caller, string query, object variables)
    {
        var ws = await GraphQLWsClient.ReadyAsync(App, caller.Token!);
        await ws.SubscribeAsync("a", query, variables);
        await ws.SendAsync(new { type = "ping" });
        Assert.Equal("pong", (await ws.ReceiveAsync())!["type"]!.GetValue<string>());
        return ws;
    }

    private static async Task<string> CreateRuleAsync(GraphQLClient caller, string clientId, string name, string kind, object settings)
    {
        var input = JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(settings))!.AsObject();
        input["clientId"] = clientId;
        input["name"] = name;
        input["kind"] = kind;
        var data = await caller.DataAsync("mutation($input: CreateAlertRuleInput!) { createAlertRule(input: $input) { id } }", new { input });
        return data["createAlertRule"]!["id"]!.GetValue<string>();
    }

    private async Task<string> CreateRunningServiceAsync(GraphQLClient admin, string clientId, string name, string restartPolicy, string[]? command = null)
    {
        var spec = new { image = Engine.EngineApp.Image, command = command ?? ["sleep", "3600"], cpuMillicores = 100, memoryMiB = 32, restartPolicy };
        var id = (await admin.DataAsync(
            "mutation($input: CreateServiceInput!) { createService(input: $input) { id } }",
            new { input = new { clientId, name, nodeId = _engine.NodeId, spec } }))["createService"]!["id"]!.GetValue<string>();
        await WaitForAsync(admin, id, s => s["status"]!.GetValue<string>() == "RUNNING", "the service runs");
        return id;
    }

    private async Task KillAndWaitForRestartAsync(GraphQLClient admin, string service)
    {
        var before = await WaitForAsync(admin, service, s => s["status"]!.GetValue<string>() == "RUNNING" && s["instances"]!.AsArray().Count == 1, "it runs");
        var instance = before["instances"]![0]!;
        await _engine.Docker.Containers.KillContainerAsync(instance["name"]!.GetValue<string>(), new ContainerKillParameters { Signal = "KILL" }, TestContext.Current.CancellationToken);
        await WaitForAsync(
            admin, service,
            s => s["instances"]!.AsArray().Any(i => i!["state"]!.GetValue<string>() == "running" && i["startedAt"]?.GetValue<string>() != instance["startedAt"]?.GetValue<string>()),
            "the killed container runs again");
    }

    private static async Task<string> InstanceNameAsync(GraphQLClient admin, string service) =>
        (await admin.DataAsync("query($id: ID!) { service(id: $id) { instances { name } } }", new { id = service }))["service"]!["instances"]![0]!["name"]!.GetValue<string>();

    private static async Task<JsonArray> AlertsAsync(GraphQLClient caller, string clientId) =>
        (await caller.DataAsync(AlertsOf, new { c = clientId }))["alerts"]!["items"]!.AsArray();

    private static async Task<JsonNode> OnlyAlertAsync(GraphQLClient caller, string clientId) =>
        Assert.Single((await caller.DataAsync(AlertsOf, new { c = clientId }))["alerts"]!["items"]!.AsArray())!;

    private static Task<JsonNode> WaitForAsync(GraphQLClient caller, string serviceId, Func<JsonNode, bool> condition, string what) =>
        Eventually.ServiceAsync(caller, "query($id: ID!) { service(id: $id) { status instances { name state startedAt } } }", serviceId, condition, what, TimeSpan.FromSeconds(60));
}
