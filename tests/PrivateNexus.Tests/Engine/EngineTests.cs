using System.Text.Json.Nodes;
using Docker.DotNet.Models;
using PrivateNexus.Tests.Infrastructure;

namespace PrivateNexus.Tests.Engine;

/// <summary>
/// Services made real on a real engine: deployed, kept running, rolled out and back, stopped and
/// removed by the reconciler, with drift and orphans handled. Polls the API (which reads the state
/// mirror) until the engine has converged, within a bounded time. Runs once per engine: Docker
/// (<see cref="DockerEngineTests"/>) and Podman's Docker-compatible API (<see cref="PodmanEngineTests"/>).
/// </summary>
public abstract class EngineTests : AppTests
{
    private const string Status = "query($id: ID!) { service(id: $id) { status revision instances { containerId name state health restarts revision replica ports { containerPort hostPort } } } }";

    // Host ports on 127.0.0.1, shared by both engines' suites (one counter for the process) and
    // spread by process so that concurrent test runs on the machine rarely meet.
    private static int _nextPort = 20000 + (Environment.ProcessId % 300) * 30;
    private readonly EngineApp _engine;

    protected EngineTests(EngineApp app)
        : base(app)
    {
        app.Require();
        _engine = app;
    }

    private static int NextPort() => Interlocked.Increment(ref _nextPort);

    private static object HttpSpec(string image, int port, object[]? volumes = null) => new
    {
        image,
        command = new[] { "httpd", "-f", "-p", "80", "-h", "/www" },
        cpuMillicores = 100,
        memoryMiB = 32,
        ports = new[] { new { containerPort = 80, hostPort = port } },
        volumes = volumes ?? [],
    };

    private async Task<(GraphQLClient Admin, string ClientId, string Slug)> ClientAsync()
    {
        var admin = await App.AdminAsync();
        var slug = Unique("eng");
        return (admin, await admin.CreateClientAsync(slug), slug);
    }

    private static Task<JsonNode> WaitForAsync(GraphQLClient caller, string serviceId, Func<JsonNode, bool> condition, string what) =>
        Eventually.ServiceAsync(caller, Status, serviceId, condition, what, TimeSpan.FromSeconds(60));

    private static async Task<string> GetAsync(int port)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await http.GetStringAsync($"http://127.0.0.1:{port}/", TestContext.Current.CancellationToken);
            }
            catch (HttpRequestException) when (attempt < 40)
            {
                await Task.Delay(250, TestContext.Current.CancellationToken);
            }
        }
    }

    private static bool IsRunning(JsonNode s) => s["status"]!.GetValue<string>() == "RUNNING";

    /// <summary>Creates a service on the test engine's node (other tests add nodes; placement must not wander).</summary>
    private async Task<JsonNode> CreateOnEngineAsync(GraphQLClient admin, string clientId, string name, object spec) =>
        (await admin.DataAsync(
            "mutation($input: CreateServiceInput!) { createService(input: $input) { id } }",
            new { input = new { clientId, name, nodeId = _engine.NodeId, spec } }))["createService"]!;

    [Fact]
    public async Task Deployed_service_runs_isolated_and_answers_on_its_published_port()
    {
        var (admin, clientId, slug) = await ClientAsync();
        var port = NextPort();
        var created = await CreateOnEngineAsync(admin, clientId, "web", HttpSpec(EngineApp.Image, port, [new { name = "data", path = "/data" }]));
        var id = created["id"]!.GetValue<string>();

        var running = await WaitForAsync(admin, id, IsRunning, "the service runs");
        var instance = Assert.Single(running["instances"]!.AsArray())!;
        Assert.NotNull(instance);
        Assert.Equal("running", instance["state"]!.GetValue<string>());
        Assert.Contains("pnx-test", await GetAsync(port), StringComparison.Ordinal);

        var inspected = await _engine.Docker.Containers.InspectContainerAsync(instance["name"]!.GetValue<string>(), TestContext.Current.CancellationToken);
        Assert.Equal([$"pnx-{slug}"], inspected.NetworkSettings!.Networks.Keys);
        if (!_engine.IsPodman)
        {
            // Podman 4.3 reports the driver ("bridge") here for any bridge network, not the network's name.
            Assert.Equal($"pnx-{slug}", inspected.HostConfig!.NetworkMode);
        }

        Assert.Equal(32L * 1024 * 1024, inspected.HostConfig!.Memory);
        Assert.Equal(100_000_000L, inspected.HostConfig!.NanoCPUs);
        Assert.False(inspected.HostConfig!.Privileged);
        Assert.Contains("no-new-privileges", inspected.HostConfig!.SecurityOpt);
        Assert.Equal($"pnx-{slug}-data", Assert.Single(inspected.Mounts).Name);
        Assert.Equal(clientId, inspected.Config!.Labels["io.privatenexus.client"]);
        Assert.Equal(id, inspected.Config!.Labels["io.privatenexus.service"]);
        Assert.Equal("1", inspected.Config!.Labels["io.privatenexus.revision"]);
    }

    [Fact]
    public async Task A_killed_container_is_brought_back_and_a_removed_one_is_recreated_and_reported_as_drift()
    {
        var (admin, clientId, _) = await ClientAsync();
        var port = NextPort();
        var id = (await CreateOnEngineAsync(admin, clientId, "web", HttpSpec(EngineApp.Image, port)))["id"]!.GetValue<string>();
        var first = await WaitForAsync(admin, id, IsRunning, "the service runs");
        var name = first["instances"]![0]!["name"]!.GetValue<string>();

        await _engine.Docker.Containers.KillContainerAsync(name, new ContainerKillParameters { Signal = "KILL" }, TestContext.Current.CancellationToken);
        await WaitForAsync(admin, id, s => IsRunning(s) && s["instances"]!.AsArray().Count == 1, "the killed container runs again");
        Assert.Contains("pnx-test", await GetAsync(port), StringComparison.Ordinal);

        var current = (await admin.DataAsync(Status, new { id }))["service"]!["instances"]![0]!["name"]!.GetValue<string>();
        await _engine.Docker.Containers.RemoveContainerAsync(current, new ContainerRemoveParameters { Force = true }, TestContext.Current.CancellationToken);
        var recreated = await WaitForAsync(
            admin, id, s => IsRunning(s) && s["instances"]![0]!["name"]!.GetValue<string>() != current, "a new container replaces the removed one");
        Assert.Single(recreated["instances"]!.AsArray());

        var drift = await admin.DataAsync("query($t: String) { auditEvents(targetId: $t, action: \"service.drift\") { totalCount edges { node { actorName details } } } }", new { t = id });
        Assert.True(drift["auditEvents"]!["totalCount"]!.GetValue<int>() >= 1, drift.ToJsonString());
    }

    [Fact]
    public async Task New_revision_rolls_out_and_rollback_restores_the_old_one()
    {
        var (admin, clientId, _) = await ClientAsync();
        var port = NextPort();
        var id = (await CreateOnEngineAsync(admin, clientId, "web", HttpSpec(EngineApp.Image, port)))["id"]!.GetValue<string>();
        await WaitForAsync(admin, id, IsRunning, "revision 1 runs");
        Assert.DoesNotContain("v2", await GetAsync(port), StringComparison.Ordinal);

        await admin.DataAsync(
            "mutation($input: UpdateServiceInput!) { updateService(input: $input) { revision } }",
            new { input = new { id, spec = HttpSpec(EngineApp.ImageV2, port) } });
        var v2 = await WaitForAsync(
            admin, id, s => IsRunning(s) && s["instances"]!.AsArray().All(i => i!["revision"]!.GetValue<int>() == 2), "revision 2 replaced revision 1");
        Assert.Single(v2["instances"]!.AsArray());
        Assert.Contains("v2", await GetAsync(port), StringComparison.Ordinal);

        await admin.DataAsync("mutation($id: ID!) { rollbackService(id: $id, toRevision: 1) { revision } }", new { id });
        await WaitForAsync(admin, id, s => IsRunning(s) && s["instances"]!.AsArray().All(i => i!["revision"]!.GetValue<int>() == 3), "revision 3 (the old spec) runs");
        Assert.DoesNotContain("v2", await GetAsync(port), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stop_start_restart_and_delete_converge()
    {
        var (admin, clientId, _) = await ClientAsync();
        var id = (await CreateOnEngineAsync(admin, clientId, "web", HttpSpec(EngineApp.Image, NextPort())))["id"]!.GetValue<string>();
        var running = await WaitForAsync(admin, id, IsRunning, "the service runs");
        var original = running["instances"]![0]!["containerId"]!.GetValue<string>();

        await admin.DataAsync("mutation($id: ID!) { stopService(id: $id) { desiredState } }", new { id });
        var stopped = await WaitForAsync(admin, id, s => s["status"]!.GetValue<string>() == "STOPPED", "the service stops");
        Assert.Equal("exited", stopped["instances"]![0]!["state"]!.GetValue<string>());

        await admin.DataAsync("mutation($id: ID!) { startService(id: $id) { desiredState } }", new { id });
        await WaitForAsync(admin, id, IsRunning, "the service runs again");

        await admin.DataAsync("mutation($id: ID!) { restartService(id: $id) { restartGeneration } }", new { id });
        await WaitForAsync(
            admin, id, s => IsRunning(s) && s["instances"]!.AsArray().Count == 1 && s["instances"]![0]!["containerId"]!.GetValue<string>() != original, "a fresh container replaces the old one");

        var name = (await admin.DataAsync(Status, new { id }))["service"]!["instances"]![0]!["name"]!.GetValue<string>();
        await admin.DataAsync("mutation($id: ID!) { deleteService(id: $id) }", new { id });
        Assert.True(await Eventually.TrueAsync(async () => !await ExistsAsync(name), TimeSpan.FromSeconds(30)), "the deleted service's container is removed");
    }

    [Fact]
    public async Task Containers_with_our_labels_but_no_service_are_removed()
    {
        var orphan = await _engine.Docker.Containers.CreateContainerAsync(new CreateContainerParameters
        {
            Image = EngineApp.Image,
            Cmd = ["sleep", "300"],
            HostConfig = new HostConfig { NetworkMode = "none" },
            Labels = new Dictionary<string, string>
            {
                ["io.privatenexus.managed"] = "true",
                ["io.privatenexus.node"] = _engine.NodeId,
                ["io.privatenexus.service"] = Guid.NewGuid().ToString(),
                ["io.privatenexus.client"] = Guid.NewGuid().ToString(),
                ["io.privatenexus.revision"] = "1",
            },
        }, TestContext.Current.CancellationToken);
        try
        {
            await _engine.Docker.Containers.StartContainerAsync(orphan.ID, new ContainerStartParameters(), TestContext.Current.CancellationToken);
        }
        catch (Docker.DotNet.DockerApiException ex) when (ex.StatusCode is System.Net.HttpStatusCode.Conflict or System.Net.HttpStatusCode.NotFound
            || PrivateNexus.Server.Engine.EngineCalls.IsGone(ex) || ex.ResponseBody?.Contains("being removed", StringComparison.Ordinal) == true)
        {
            // The agent saw its "create" event and the reconciler is removing it already, before it could start.
        }

        Assert.True(await Eventually.TrueAsync(async () => !await ExistsAsync(orphan.ID), TimeSpan.FromSeconds(30)), "the orphan is removed");
    }

    [Fact]
    public async Task Node_reports_its_engine_and_test_node_connects()
    {
        var admin = await App.AdminAsync();
        // The fixture registers the node just before; its agent may not have connected yet (Podman is slower to answer than Docker).
        JsonNode node = null!;
        await Eventually.TrueAsync(
            async () =>
            {
                node = (await admin.DataAsync("query($id: ID!) { node(id: $id) { status lastSeenAt engine { version apiVersion operatingSystem cpus memoryBytes swarmRole } } }", new { id = _engine.NodeId }))["node"]!;
                return node["status"]!.GetValue<string>() == "ONLINE";
            },
            TimeSpan.FromSeconds(30));
        Assert.Equal("ONLINE", node["status"]!.GetValue<string>());
        Assert.True(node["engine"]!["cpus"]!.GetValue<int>() > 0);

        var tested = (await admin.DataAsync("mutation($id: ID!) { testNode(id: $id) { reachable engine { version } error } }", new { id = _engine.NodeId }))["testNode"]!;
        Assert.True(tested["reachable"]!.GetValue<bool>());

        var bogus = (await admin.DataAsync("mutation { createNode(input: { name: \"nowhere\", endpoint: \"unix:///nonexistent/docker.sock\" }) { id } }"))["createNode"]!["id"]!.GetValue<string>();
        var unreachable = (await admin.DataAsync("mutation($id: ID!) { testNode(id: $id) { reachable error } }", new { id = bogus }))["testNode"]!;
        Assert.False(unreachable["reachable"]!.GetValue<bool>());
        Assert.False(string.IsNullOrEmpty(unreachable["error"]!.GetValue<string>()));
        await admin.DataAsync("mutation($id: ID!) { deleteNode(id: $id) }", new { id = bogus });
    }

    [Fact]
    public async Task Host_ports_must_be_in_range_and_free_on_the_node()
    {
        var (admin, clientId, _) = await ClientAsync();
        const string Create = "mutation($input: CreateServiceInput!) { createService(input: $input) { id } }";
        var outside = await admin.SendAsync(Create, new { input = new { clientId, name = "low", nodeId = _engine.NodeId, spec = HttpSpec(EngineApp.Image, 80) } });
        Assert.Equal("spec.ports[0].hostPort", outside.ErrorField);

        var port = NextPort();
        await CreateOnEngineAsync(admin, clientId, "first", HttpSpec(EngineApp.Image, port));
        var (_, otherClient, _) = await ClientAsync();
        var taken = await admin.SendAsync(Create, new { input = new { clientId = otherClient, name = "second", nodeId = _engine.NodeId, spec = HttpSpec(EngineApp.Image, port) } });
        Assert.Equal("BAD_USER_INPUT", taken.ErrorCode);
        Assert.Equal("spec.ports[0].hostPort", taken.ErrorField);
    }

    [Fact]
    public async Task An_engine_that_goes_away_shows_offline_while_queries_answer_and_nothing_is_lost_when_it_returns()
    {
        var target = new Uri(_engine.Endpoint!).AbsolutePath;
        await using var relay = new UnixSocketRelay(Path.Combine(Path.GetTempPath(), $"pnx-relay-{Guid.NewGuid():N}"[..24] + ".sock"), target);
        relay.Start();
        var (admin, clientId, _) = await ClientAsync();
        var nodeId = (await admin.DataAsync("mutation($e: String!) { createNode(input: { name: \"relay\", endpoint: $e }) { id } }", new { e = relay.Endpoint }))["createNode"]!["id"]!.GetValue<string>();
        const string Node = "query($id: ID!) { node(id: $id) { status lastSeenAt lastError } }";
        Assert.True(await Eventually.TrueAsync(async () => (await admin.DataAsync(Node, new { id = nodeId }))["node"]!["status"]!.GetValue<string>() == "ONLINE", TimeSpan.FromSeconds(30)), "the relayed node comes online");

        var service = await admin.DataAsync(
            "mutation($input: CreateServiceInput!) { createService(input: $input) { id } }",
            new { input = new { clientId, name = "far", nodeId, spec = new { image = EngineApp.Image, command = new[] { "sleep", "3600" }, cpuMillicores = 50, memoryMiB = 16 } } });
        var id = service["createService"]!["id"]!.GetValue<string>();
        var running = await WaitForAsync(admin, id, IsRunning, "the service runs on the relayed node");
        var container = running["instances"]![0]!["name"]!.GetValue<string>();

        await relay.StopAsync();
        Assert.True(await Eventually.TrueAsync(async () => (await admin.DataAsync(Node, new { id = nodeId }))["node"]!["status"]!.GetValue<string>() == "OFFLINE", TimeSpan.FromSeconds(30)), "the node shows offline");
        var offline = (await admin.DataAsync(Node, new { id = nodeId }))["node"]!;
        Assert.NotNull(offline["lastSeenAt"]);
        Assert.Equal("UNKNOWN", (await admin.DataAsync(Status, new { id }))["service"]!["status"]!.GetValue<string>());

        // While nobody watches, the container dies; when the node is back the agent must notice and converge.
        await _engine.Docker.Containers.StopContainerAsync(container, new ContainerStopParameters { WaitBeforeKillSeconds = 0 }, TestContext.Current.CancellationToken);
        relay.Start();
        Assert.True(await Eventually.TrueAsync(async () => (await admin.DataAsync(Node, new { id = nodeId }))["node"]!["status"]!.GetValue<string>() == "ONLINE", TimeSpan.FromSeconds(45)), "the node recovers");
        await WaitForAsync(admin, id, s => IsRunning(s) && s["instances"]![0]!["state"]!.GetValue<string>() == "running", "the service runs again after the node returned");
        await admin.DataAsync("mutation($id: ID!) { deleteService(id: $id) }", new { id });
        Assert.True(await Eventually.TrueAsync(async () => !await ExistsAsync(container), TimeSpan.FromSeconds(30)), "its container is removed");
        await admin.DataAsync("mutation($id: ID!) { deleteNode(id: $id) }", new { id = nodeId });
    }

    private async Task<bool> ExistsAsync(string nameOrId)
    {
        try
        {
            await _engine.Docker.Containers.InspectContainerAsync(nameOrId, TestContext.Current.CancellationToken);
            return true;
        }
        catch (Exception ex) when (PrivateNexus.Server.Engine.EngineCalls.IsGone(ex))
        {
            return false;
        }
    }
}

/// <summary>The engine suite on the private Docker engine (PNX_TEST_DOCKER_HOST).</summary>
[Collection(nameof(EngineCollection))]
public sealed class DockerEngineTests(EngineApp app) : EngineTests(app);

/// <summary>The engine suite on Podman's Docker-compatible API (PNX_TEST_PODMAN_HOST).</summary>
[Collection(nameof(PodmanEngineCollection))]
public sealed class PodmanEngineTests(PodmanEngineApp app) : EngineTests(app);

/// <summary>The tests that share the Docker engine's server. (Its own collection: both engines' suites may run at once.)</summary>
[CollectionDefinition(nameof(EngineCollection))]
public sealed class EngineCollection : ICollectionFixture<EngineApp>;

[CollectionDefinition(nameof(PodmanEngineCollection))]
public sealed class PodmanEngineCollection : ICollectionFixture<PodmanEngineApp>;
