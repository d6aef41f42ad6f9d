using System.Text.Json.Nodes;
using PrivateNexus.Tests.Infrastructure;

namespace PrivateNexus.Tests.Engine;

/// <summary>Every change of a service opens a deployment that the reconciler carries to an outcome.</summary>
[Collection(nameof(EngineCollection))]
public sealed class DeploymentTests : AppTests
{
    private const string Latest = "query($id: ID!) { service(id: $id) { revision status latestDeployment { id kind status revision error steps { message } } } }";
    private readonly EngineApp _engine;

    public DeploymentTests(EngineApp app)
        : base(app)
    {
        EngineApp.RequireDocker();
        _engine = app;
    }

    private static object Spec(object? healthCheck = null) => new
    {
        image = EngineApp.Image,
        command = new[] { "sleep", "3600" },
        cpuMillicores = 50,
        memoryMiB = 16,
        healthCheck,
    };

    private async Task<(GraphQLClient Admin, string ServiceId)> ServiceAsync()
    {
        var admin = await App.AdminAsync();
        var clientId = await admin.CreateClientAsync(Unique("dep"));
        var created = await admin.DataAsync(
            "mutation($input: CreateServiceInput!) { createService(input: $input) { id } }",
            new { input = new { clientId, name = "worker", nodeId = _engine.NodeId, spec = Spec() } });
        return (admin, created["createService"]!["id"]!.GetValue<string>());
    }

    private static async Task<JsonNode> UntilAsync(GraphQLClient admin, string id, Func<JsonNode, bool> condition, string what, int seconds = 60)
    {
        JsonNode last = null!;
        var met = await Eventually.TrueAsync(
            async () =>
            {
                last = (await admin.DataAsync(Latest, new { id }))["service"]!;
                return condition(last);
            },
            TimeSpan.FromSeconds(seconds));
        Assert.True(met, $"Timed out waiting until {what}; last seen: {last.ToJsonString()}");
        return last;
    }

    private static string DeploymentStatus(JsonNode service) => service["latestDeployment"]!["status"]!.GetValue<string>();

    [Fact]
    public async Task Creating_a_service_opens_a_deployment_that_succeeds_with_its_steps()
    {
        var (admin, id) = await ServiceAsync();
        var done = await UntilAsync(admin, id, s => DeploymentStatus(s) == "SUCCEEDED", "the create deployment succeeds");
        var deployment = done["latestDeployment"]!;
        Assert.Equal("CREATE", deployment["kind"]!.GetValue<string>());
        var steps = deployment["steps"]!.AsArray().Select(s => s!["message"]!.GetValue<string>()).ToList();
        Assert.Contains(steps, m => m.StartsWith("Started replica 0 of revision 1", StringComparison.Ordinal));
        Assert.Contains(steps, m => m.StartsWith("Revision 1 runs", StringComparison.Ordinal));

        await admin.DataAsync("mutation($id: ID!) { stopService(id: $id) { id } }", new { id });
        var stopped = await UntilAsync(admin, id, s => s["latestDeployment"]!["kind"]!.GetValue<string>() == "STOP" && DeploymentStatus(s) == "SUCCEEDED", "the stop deployment succeeds");
        Assert.Equal("STOPPED", stopped["status"]!.GetValue<string>());

        var byId = await admin.DataAsync("query($id: ID!) { deployment(id: $id) { kind status } }", new { id = stopped["latestDeployment"]!["id"]!.GetValue<string>() });
        Assert.Equal("STOP", byId["deployment"]!["kind"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_revision_that_never_becomes_healthy_is_rolled_back_automatically()
    {
        var (admin, id) = await ServiceAsync();
        await UntilAsync(admin, id, s => DeploymentStatus(s) == "SUCCEEDED", "revision 1 runs");

        var unhealthy = Spec(new { command = new[] { "CMD", "false" }, intervalSeconds = 1, timeoutSeconds = 1, retries = 1 });
        await admin.DataAsync("mutation($input: UpdateServiceInput!) { updateService(input: $input) { revision } }", new { input = new { id, spec = unhealthy } });

        var rolledBack = await UntilAsync(
            admin, id, s => s["revision"]!.GetValue<int>() == 3 && DeploymentStatus(s) == "SUCCEEDED", "revision 1's spec runs again as revision 3", seconds: 90);
        Assert.Equal("AUTO_ROLLBACK", rolledBack["latestDeployment"]!["kind"]!.GetValue<string>());
        Assert.Equal("RUNNING", rolledBack["status"]!.GetValue<string>());

        var history = await admin.DataAsync(
            "query($id: ID!) { service(id: $id) { deployments { edges { node { kind status error } } } revisions { edges { node { revision reason createdBy } } } } }", new { id });
        var update = history["service"]!["deployments"]!["edges"]!.AsArray().Select(e => e!["node"]!).Single(d => d["kind"]!.GetValue<string>() == "UPDATE");
        Assert.Equal("ROLLED_BACK", update["status"]!.GetValue<string>());
        Assert.Contains("rolled back to revision 1", update["error"]!.GetValue<string>(), StringComparison.Ordinal);
        var newest = history["service"]!["revisions"]!["edges"]![0]!["node"]!;
        Assert.Equal("auto-rollback:1", newest["reason"]!.GetValue<string>());
        Assert.Equal("reconciler", newest["createdBy"]!.GetValue<string>());
    }

    [Fact]
    public async Task Services_filter_by_live_status()
    {
        var (admin, id) = await ServiceAsync();
        await UntilAsync(admin, id, s => s["status"]!.GetValue<string>() == "RUNNING", "the service runs");
        var clientId = (await admin.DataAsync("query($id: ID!) { service(id: $id) { clientId } }", new { id }))["service"]!["clientId"]!.GetValue<string>();
        const string ByStatus = "query($c: ID, $s: ServiceStatus) { services(clientId: $c, status: $s) { totalCount edges { node { id } } } }";
        Assert.Equal(1, (await admin.DataAsync(ByStatus, new { c = clientId, s = "RUNNING" }))["services"]!["totalCount"]!.GetValue<int>());
        Assert.Equal(0, (await admin.DataAsync(ByStatus, new { c = clientId, s = "STOPPED" }))["services"]!["totalCount"]!.GetValue<int>());

        await admin.DataAsync("mutation($id: ID!) { stopService(id: $id) { id } }", new { id });
        await UntilAsync(admin, id, s => s["status"]!.GetValue<string>() == "STOPPED", "the service stops");
        Assert.Equal(1, (await admin.DataAsync(ByStatus, new { c = clientId, s = "STOPPED" }))["services"]!["totalCount"]!.GetValue<int>());
        Assert.Equal(0, (await admin.DataAsync(ByStatus, new { c = clientId, s = "RUNNING" }))["services"]!["totalCount"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_suspended_clients_services_stop_and_show_stopped_and_run_again_on_resume()
    {
        var (admin, id) = await ServiceAsync();
        await UntilAsync(admin, id, s => s["status"]!.GetValue<string>() == "RUNNING", "the service runs");
        var clientId = (await admin.DataAsync("query($id: ID!) { service(id: $id) { clientId } }", new { id }))["service"]!["clientId"]!.GetValue<string>();

        await admin.DataAsync("mutation($id: ID!) { suspendClient(id: $id) { status } }", new { id = clientId });
        await UntilAsync(admin, id, s => s["status"]!.GetValue<string>() == "STOPPED", "the suspended client's service shows stopped");

        await admin.DataAsync("mutation($id: ID!) { resumeClient(id: $id) { status } }", new { id = clientId });
        await UntilAsync(admin, id, s => s["status"]!.GetValue<string>() == "RUNNING", "the service runs again");
    }
}
