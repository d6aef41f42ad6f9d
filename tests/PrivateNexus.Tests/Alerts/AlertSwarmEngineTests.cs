using System.Text.Json.Nodes;
using PrivateNexus.Tests.Engine;
using PrivateNexus.Tests.Infrastructure;

namespace PrivateNexus.Tests.Alerts;

/// <summary>
/// Restart loops of Swarm services on the real swarm engine: Swarm replaces a failed task with a new
/// container instead of restarting it, and those replacements are what RESTART_LOOP counts — while
/// the new tasks of a restart asked for, a stop and start, or a rollout that scales are not counted.
/// </summary>
[Collection(nameof(AlertsSwarmEngineCollection))]
public sealed class AlertSwarmEngineTests : AppTests
{
    private const string Status = "query($id: ID!) { service(id: $id) { status revision instances { containerId state revision } latestDeployment { kind status } } }";
    private const string AlertsOf = "query($c: ID) { alerts(clientId: $c, first: 50) { items { kind state targetId lastValue summary } } }";

    // sh as PID 1 ignores SIGTERM unless it traps it: ending on it keeps each of Swarm's shutdowns short.
    private const string Steady = "trap 'exit 0' TERM; while :; do sleep 1; done";

    private readonly AlertsSwarmEngineApp _engine;

    public AlertSwarmEngineTests(AlertsSwarmEngineApp app)
        : base(app)
    {
        app.Require();
        _engine = app;
    }

    [Fact]
    public async Task A_swarm_service_whose_tasks_keep_exiting_fires_restart_loop_and_a_steady_one_does_not_through_restart_stop_start_and_rollout()
    {
        var admin = await App.AdminAsync();
        var client = await admin.CreateClientAsync(Unique("swloop"));
        var steady = await CreateAsync(admin, client, "steady", Spec(EngineApp.Image, Steady, 2));
        var running = await WaitForAsync(admin, steady, s => Runs(s, 1, 2), "2 replicas of the steady service run");

        // Any restart counted for the steady service would fire its rule.
        await CreateRuleAsync(admin, client, "steady", steady, threshold: 1);
        var crashing = await CreateAsync(admin, client, "crashing", Spec(EngineApp.Image, "sleep 2; exit 1", 2));
        await CreateRuleAsync(admin, client, "crash loop", crashing, threshold: 3);

        // While the other one crash-loops: a restart (every task replaced, in a new restart generation) …
        var before = ContainerIds(running);
        await admin.DataAsync("mutation($id: ID!) { restartService(id: $id) { id } }", new { id = steady });
        await WaitForAsync(
            admin,
            steady,
            s => Runs(s, 1, 2) && s["latestDeployment"]!["kind"]!.GetValue<string>() == "RESTART" && !ContainerIds(s).Intersect(before).Any(),
            "fresh tasks replace the old ones");

        // … a stop, and a start as soon as it shows stopped (Swarm may not have removed the stopped containers yet) …
        await admin.DataAsync("mutation($id: ID!) { stopService(id: $id) { id } }", new { id = steady });
        await WaitForAsync(admin, steady, s => s["status"]!.GetValue<string>() == "STOPPED", "the steady service stops");
        await admin.DataAsync("mutation($id: ID!) { startService(id: $id) { id } }", new { id = steady });
        await WaitForAsync(admin, steady, s => Runs(s, 1, 2), "the steady service runs again");

        // … and a rolling update to a new image that scales it up too.
        await admin.DataAsync(
            "mutation($input: UpdateServiceInput!) { updateService(input: $input) { revision } }",
            new { input = new { id = steady, spec = Spec(EngineApp.ImageV2, Steady, 3) } });
        await WaitForAsync(admin, steady, s => Runs(s, 2, 3), "3 replicas of revision 2 run");

        // Swarm's replacements of the crashing service's failed tasks are its restarts.
        var firing = await AlertOfAsync(admin, client, crashing, a => a["state"]!.GetValue<string>() == "FIRING", "the crash loop fires");
        Assert.Equal("RESTART_LOOP", firing["kind"]!.GetValue<string>());
        var counted = firing["lastValue"]!.GetValue<double>();
        Assert.True(counted >= 3, firing.ToJsonString());
        Assert.Contains("restarted", firing["summary"]!.GetValue<string>(), StringComparison.Ordinal);

        // Rounds of evaluation went on after the steady service's changes (the loop's count has grown
        // since), and not one of its new tasks was counted as a restart.
        await AlertOfAsync(admin, client, crashing, a => a["lastValue"]!.GetValue<double>() > counted, "the crash loop's count grows");
        Assert.DoesNotContain(await AlertsAsync(admin, client), a => a!["targetId"]!.GetValue<string>() == steady);

        // Ends the loop: the engine and the machine are shared.
        await admin.DataAsync("mutation($id: ID!) { deleteService(id: $id) }", new { id = crashing });
    }

    private static object Spec(string image, string script, int replicas) => new
    {
        image,
        command = new[] { "sh", "-c", script },
        cpuMillicores = 50,
        memoryMiB = 16,
        replicas,
    };

    private async Task<string> CreateAsync(GraphQLClient admin, string clientId, string name, object spec) =>
        (await admin.DataAsync(
            "mutation($input: CreateServiceInput!) { createService(input: $input) { id } }",
            new { input = new { clientId, name, nodeId = _engine.NodeId, spec } }))["createService"]!["id"]!.GetValue<string>();

    private static async Task CreateRuleAsync(GraphQLClient admin, string clientId, string name, string serviceId, int threshold) =>
        await admin.DataAsync(
            "mutation($input: CreateAlertRuleInput!) { createAlertRule(input: $input) { id } }",
            new { input = new { clientId, name, kind = "RESTART_LOOP", serviceId, threshold, window = "10m", @for = "0s", keepFiringFor = "0s" } });

    /// <summary>RUNNING, its latest deployment succeeded, and exactly <paramref name="replicas"/> instances, all running <paramref name="revision"/>.</summary>
    private static bool Runs(JsonNode s, int revision, int replicas) =>
        s["status"]!.GetValue<string>() == "RUNNING"
        && s["latestDeployment"]!["status"]!.GetValue<string>() == "SUCCEEDED"
        && s["instances"]!.AsArray() is { } instances
        && instances.Count == replicas
        && instances.All(i => i!["state"]!.GetValue<string>() == "running" && i["revision"]!.GetValue<int>() == revision);

    private static List<string> ContainerIds(JsonNode s) => [.. s["instances"]!.AsArray().Select(i => i!["containerId"]!.GetValue<string>())];

    private static Task<JsonNode> WaitForAsync(GraphQLClient caller, string serviceId, Func<JsonNode, bool> condition, string what) =>
        Eventually.ServiceAsync(caller, Status, serviceId, condition, what, TimeSpan.FromSeconds(90));

    private static async Task<JsonArray> AlertsAsync(GraphQLClient caller, string clientId) =>
        (await caller.DataAsync(AlertsOf, new { c = clientId }))["alerts"]!["items"]!.AsArray();

    private static async Task<JsonNode> AlertOfAsync(GraphQLClient caller, string clientId, string serviceId, Func<JsonNode, bool> condition, string what)
    {
        JsonArray last = [];
        JsonNode? found = null;
        var met = await Eventually.TrueAsync(
            async () =>
            {
                last = await AlertsAsync(caller, clientId);
                found = last.FirstOrDefault(a => a!["targetId"]!.GetValue<string>() == serviceId && condition(a));
                return found is not null;
            },
            TimeSpan.FromSeconds(90));
        Assert.True(met, $"Timed out waiting until {what}; alerts: {last.ToJsonString()}");
        return found!;
    }
}
