using System.Text.Json.Nodes;
using Docker.DotNet.Models;
using PrivateNexus.Tests.Infrastructure;
using PrivateNexus.Tests.Realtime;

namespace PrivateNexus.Tests.Engine;

/// <summary>
/// Subscriptions fed by a real Docker engine: the state mirror's changes (a container killed
/// behind our back, and brought back), a deployment's progress to its outcome, live log lines.
/// </summary>
[Collection(nameof(EngineCollection))]
public sealed class RealtimeEngineTests : AppTests
{
    private readonly EngineApp _engine;

    public RealtimeEngineTests(EngineApp app)
        : base(app)
    {
        EngineApp.RequireDocker();
        _engine = app;
    }

    private async Task<(GraphQLClient Admin, string ServiceId, string DeploymentId)> DeployAsync(string[] command)
    {
        var admin = await App.AdminAsync();
        var clientId = await admin.CreateClientAsync(Unique("rt"));
        var created = await admin.DataAsync(
            "mutation($input: CreateServiceInput!) { createService(input: $input) { id latestDeployment { id } } }",
            new { input = new { clientId, name = "live", nodeId = _engine.NodeId, spec = new { image = EngineApp.Image, command, cpuMillicores = 50, memoryMiB = 16 } } });
        var service = created["createService"]!;
        return (admin, service["id"]!.GetValue<string>(), service["latestDeployment"]!["id"]!.GetValue<string>());
    }

    private static async Task<GraphQLWsClient> SubscribedAsync(PnxApp app, string token, string query, object variables)
    {
        var ws = await GraphQLWsClient.ReadyAsync(app, token);
        await ws.SubscribeAsync("s", query, variables);
        return ws;
    }

    [Fact]
    public async Task A_deployment_is_followed_to_its_outcome_and_the_subscription_completes()
    {
        var (admin, _, deployment) = await DeployAsync(["sleep", "3600"]);
        await using var ws = await SubscribedAsync(App, admin.Token!, "subscription($d: ID!) { deploymentProgress(deploymentId: $d) { status progress steps { message } } }", new { d = deployment });

        var statuses = new List<string>();
        while (true)
        {
            var message = await ws.ReceiveForAsync("s", TimeSpan.FromSeconds(60));
            if (message["type"]!.GetValue<string>() == "complete")
            {
                break;
            }

            statuses.Add(message["payload"]!["data"]!["deploymentProgress"]!["status"]!.GetValue<string>());
        }

        Assert.Equal("SUCCEEDED", statuses[^1]);
        Assert.All(statuses[..^1], s => Assert.Contains(s, new[] { "PENDING", "IN_PROGRESS" }));
    }

    [Fact]
    public async Task A_container_killed_behind_our_back_is_pushed_as_it_dies_and_as_it_comes_back()
    {
        var (admin, serviceId, _) = await DeployAsync(["sleep", "3600"]);
        await using var ws = await SubscribedAsync(App, admin.Token!, "subscription($s: ID!) { serviceStatusChanged(serviceId: $s) { service { status instances { name state } } } }", new { s = serviceId });
        var running = await WebSocketProtocolTests.NextUntilAsync(ws, "s", e => e["service"]!["status"]!.GetValue<string>() == "RUNNING");
        var name = running["service"]!["instances"]![0]!["name"]!.GetValue<string>();

        await _engine.Docker.Containers.KillContainerAsync(name, new ContainerKillParameters { Signal = "KILL" }, TestContext.Current.CancellationToken);
        var died = await WebSocketProtocolTests.NextUntilAsync(ws, "s", e => e["service"]!["status"]!.GetValue<string>() != "RUNNING");
        Assert.NotEqual("RUNNING", died["service"]!["instances"]![0]!["state"]!.GetValue<string>());
        await WebSocketProtocolTests.NextUntilAsync(ws, "s", e => e["service"]!["status"]!.GetValue<string>() == "RUNNING");
    }

    [Fact]
    public async Task Log_lines_arrive_live_with_their_stream()
    {
        var (admin, serviceId, _) = await DeployAsync(["sh", "-c", "i=0; while true; do echo out-$i; echo err-$i >&2; i=$((i+1)); sleep 0.5; done"]);
        await WaitRunningAsync(admin, serviceId);
        await using var ws = await SubscribedAsync(App, admin.Token!, "subscription($s: ID!) { serviceLogs(serviceId: $s, tail: 0) { stream text instance time } }", new { s = serviceId });

        var seen = new List<JsonNode>();
        while (seen.Count < 6)
        {
            var message = await ws.ReceiveForAsync("s", TimeSpan.FromSeconds(30));
            Assert.True(message["type"]!.GetValue<string>() == "next", message.ToJsonString());
            seen.Add(message["payload"]!["data"]!["serviceLogs"]!);
        }

        Assert.Contains(seen, l => l["stream"]!.GetValue<string>() == "STDOUT" && l["text"]!.GetValue<string>().StartsWith("out-", StringComparison.Ordinal));
        Assert.Contains(seen, l => l["stream"]!.GetValue<string>() == "STDERR" && l["text"]!.GetValue<string>().StartsWith("err-", StringComparison.Ordinal));
        Assert.All(seen, l => Assert.NotNull(l["time"]));
    }

    [Fact]
    public async Task A_viewer_may_not_follow_logs()
    {
        var (admin, serviceId, _) = await DeployAsync(["sleep", "3600"]);
        var clientId = (await admin.DataAsync("query($id: ID!) { service(id: $id) { clientId } }", new { id = serviceId }))["service"]!["clientId"]!.GetValue<string>();
        var viewer = await App.MemberAsync(clientId, "VIEWER");
        await using var ws = await SubscribedAsync(App, viewer.Token!, "subscription($s: ID!) { serviceLogs(serviceId: $s) { text } }", new { s = serviceId });
        var answer = await ws.ReceiveForAsync("s");
        Assert.Equal("FORBIDDEN", answer["payload"]!["errors"]![0]!["extensions"]!["code"]!.GetValue<string>());
    }

    private static async Task WaitRunningAsync(GraphQLClient admin, string serviceId) =>
        Assert.True(await Eventually.TrueAsync(
            async () => (await admin.DataAsync("query($id: ID!) { service(id: $id) { status } }", new { id = serviceId }))["service"]!["status"]!.GetValue<string>() == "RUNNING",
            TimeSpan.FromSeconds(60)));
}
