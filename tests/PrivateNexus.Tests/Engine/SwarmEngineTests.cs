using System.Text.Json.Nodes;
using Docker.DotNet.Models;
using PrivateNexus.Tests.Infrastructure;

namespace PrivateNexus.Tests.Engine;

/// <summary>
/// Replicated services on a node that is a swarm manager run as Swarm services (a second private
/// engine in swarm mode, PNX_TEST_DOCKER_SWARM_HOST): deployed, seen as instances through the
/// state mirror, reached over the client's network, scaled back after a change by hand (drift),
/// rolled out, scaled, stopped, started, restarted, removed; a failing revision rolled back; orphan swarm
/// services removed.
/// </summary>
[Collection(nameof(SwarmEngineCollection))]
public sealed class SwarmEngineTests : AppTests
{
    private const string Status = "query($id: ID!) { service(id: $id) { status revision instances { containerId name state revision replica } latestDeployment { kind status revision error } } }";
    private const string Update = "mutation($input: UpdateServiceInput!) { updateService(input: $input) { revision } }";

    // Host ports apart from the engine suites' (which count up from 20000 + pid % 300 * 30).
    private static int _nextPort = 29000 + (Environment.ProcessId % 100) * 9;
    private readonly SwarmEngineApp _engine;

    public SwarmEngineTests(SwarmEngineApp app)
        : base(app)
    {
        app.Require();
        _engine = app;
    }

    private static object WebSpec(string image, int replicas) => new
    {
        image,
        command = new[] { "httpd", "-f", "-p", "80", "-h", "/www" },
        cpuMillicores = 50,
        memoryMiB = 16,
        replicas,
        volumes = new[] { new { name = "data", path = "/data" } },
    };

    /// <summary>
    /// One container that publishes a host port and serves, as /web.html, what it last fetched from
    /// <paramref name="peer"/> over the client network: the swarm service is reached through it.
    /// </summary>
    private static object FrontSpec(string peer, int port) => new
    {
        image = EngineApp.Image,
        command = new[]
        {
            "sh", "-c",
            $"while true; do timeout 3 wget -q -O /tmp/w http://{peer}/ && mv /tmp/w /www/web.html; sleep 0.5; done & exec httpd -f -p 80 -h /www",
        },
        cpuMillicores = 50,
        memoryMiB = 16,
        ports = new[] { new { containerPort = 80, hostPort = port } },
    };

    private async Task<string> CreateAsync(GraphQLClient admin, string clientId, string name, object spec) =>
        (await admin.DataAsync(
            "mutation($input: CreateServiceInput!) { createService(input: $input) { id } }",
            new { input = new { clientId, name, nodeId = _engine.NodeId, spec } }))["createService"]!["id"]!.GetValue<string>();

    private static Task<JsonNode> WaitForAsync(GraphQLClient caller, string serviceId, Func<JsonNode, bool> condition, string what, int seconds = 90) =>
        Eventually.ServiceAsync(caller, Status, serviceId, condition, what, TimeSpan.FromSeconds(seconds));

    /// <summary>RUNNING, its latest deployment succeeded, and exactly <paramref name="replicas"/> instances, all running <paramref name="revision"/>.</summary>
    private static bool Runs(JsonNode s, int revision, int replicas) =>
        s["status"]!.GetValue<string>() == "RUNNING"
        && s["latestDeployment"]!["status"]!.GetValue<string>() == "SUCCEEDED"
        && s["instances"]!.AsArray() is { } instances
        && instances.Count == replicas
        && instances.All(i => i!["state"]!.GetValue<string>() == "running" && i["revision"]!.GetValue<int>() == revision);

    private async Task<SwarmService?> SwarmServiceAsync(string serviceId) =>
        (await _engine.Docker.Swarm.ListServicesAsync(
            new ServiceListParameters
            {
                Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"io.privatenexus.service={serviceId}"] = true } },
            },
            TestContext.Current.CancellationToken)).SingleOrDefault();

    private static ulong? Replicas(SwarmService? service) => service?.Spec?.Mode?.Replicated?.Replicas;

    private static async Task<string?> FetchAsync(int port, string path)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            return await http.GetStringAsync($"http://127.0.0.1:{port}{path}", TestContext.Current.CancellationToken);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !TestContext.Current.CancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    private static async Task ServesAsync(int port, string path, string expected)
    {
        string? last = null;
        var met = await Eventually.TrueAsync(async () => (last = await FetchAsync(port, path))?.Contains(expected, StringComparison.Ordinal) == true, TimeSpan.FromSeconds(45));
        Assert.True(met, $"http://127.0.0.1:{port}{path} did not serve '{expected}'; last: '{last}'");
    }

    [Fact]
    public async Task Replicated_service_runs_as_a_swarm_service_rolls_out_scales_stops_restarts_and_is_removed()
    {
        var admin = await App.AdminAsync();
        var slug = Unique("swm");
        var clientId = await admin.CreateClientAsync(slug);
        var id = await CreateAsync(admin, clientId, "web", WebSpec(EngineApp.Image, 3));

        var running = await WaitForAsync(admin, id, s => Runs(s, 1, 3), "3 replicas of revision 1 run");
        Assert.Equal([0, 1, 2], running["instances"]!.AsArray().Select(i => i!["replica"]!.GetValue<int>()).Order());

        // A Swarm service, built with the same isolation as our containers.
        var swarm = await SwarmServiceAsync(id);
        Assert.NotNull(swarm);
        var spec = swarm.Spec!;
        Assert.Equal($"pnx-{slug}-web", spec.Name);
        Assert.Equal(3UL, Replicas(swarm));
        Assert.Equal("dnsrr", spec.EndpointSpec!.Mode);
        Assert.Equal("start-first", spec.UpdateConfig!.Order);
        Assert.Equal(16L * 1024 * 1024, spec.TaskTemplate!.Resources!.Limits!.MemoryBytes);
        Assert.Equal(50_000_000L, spec.TaskTemplate.Resources.Limits.NanoCPUs);
        Assert.Equal(clientId, spec.Labels!["io.privatenexus.client"]);
        var network = await _engine.Docker.Networks.InspectNetworkAsync(Assert.Single(spec.TaskTemplate.Networks!).Target!, TestContext.Current.CancellationToken);
        Assert.Equal(($"pnx-{slug}", "overlay", "swarm"), (network.Name, network.Driver, network.Scope));

        // Each instance is a task's container, carrying our labels from the service's container spec.
        var task = await _engine.Docker.Containers.InspectContainerAsync(running["instances"]![0]!["containerId"]!.GetValue<string>(), TestContext.Current.CancellationToken);
        Assert.Equal(swarm.ID, task.Config!.Labels!["com.docker.swarm.service.id"]);
        Assert.Equal(id, task.Config.Labels["io.privatenexus.service"]);
        Assert.Equal("1", task.Config.Labels["io.privatenexus.revision"]);
        Assert.Equal(16L * 1024 * 1024, task.HostConfig!.Memory);
        Assert.Equal($"pnx-{slug}-data", Assert.Single(task.Mounts!).Name);

        // Scaled by hand behind our back: reported as drift and scaled back.
        swarm = (await SwarmServiceAsync(id))!;
        swarm.Spec!.Mode!.Replicated!.Replicas = 1;
        await _engine.Docker.Swarm.UpdateServiceAsync(
            swarm.ID!, new ServiceUpdateParameters { Service = swarm.Spec, Version = (long)swarm.Version!.Index!.Value }, TestContext.Current.CancellationToken);
        const string Drift = "query($t: String) { auditEvents(targetId: $t, action: \"service.drift\") { totalCount } }";
        Assert.True(
            await Eventually.TrueAsync(async () => (await admin.DataAsync(Drift, new { t = id }))["auditEvents"]!["totalCount"]!.GetValue<int>() >= 1, TimeSpan.FromSeconds(30)),
            "the change by hand is reported as drift");
        Assert.True(await Eventually.TrueAsync(async () => Replicas(await SwarmServiceAsync(id)) == 3, TimeSpan.FromSeconds(30)), "the service is scaled back to 3");
        await WaitForAsync(admin, id, s => Runs(s, 1, 3), "3 replicas of revision 1 run again");

        // Reached over the client's overlay network by the service's name (DNS round robin), through
        // a container of the same client that publishes a host port on the swarm node.
        var port = Interlocked.Increment(ref _nextPort);
        await CreateAsync(admin, clientId, "front", FrontSpec($"pnx-{slug}-web", port));
        await ServesAsync(port, "/", "pnx-test v1");
        await ServesAsync(port, "/web.html", "pnx-test v1");

        // A new revision: a rolling update of the swarm service; Swarm's finished tasks are cleaned up.
        await admin.DataAsync(Update, new { input = new { id, spec = WebSpec(EngineApp.ImageV2, 3) } });
        await WaitForAsync(admin, id, s => Runs(s, 2, 3), "3 replicas of revision 2 replaced revision 1");
        await ServesAsync(port, "/web.html", "pnx-test v2");
        Assert.Equal(swarm.ID, (await SwarmServiceAsync(id))!.ID);

        // Scale down.
        await admin.DataAsync(Update, new { input = new { id, spec = WebSpec(EngineApp.ImageV2, 2) } });
        await WaitForAsync(admin, id, s => Runs(s, 3, 2), "2 replicas of revision 3 run");
        Assert.Equal(2UL, Replicas(await SwarmServiceAsync(id)));

        // Stop: scaled to 0, the service kept; start: scaled back.
        await admin.DataAsync("mutation($id: ID!) { stopService(id: $id) { desiredState } }", new { id });
        await WaitForAsync(
            admin, id, s => s["status"]!.GetValue<string>() == "STOPPED" && s["latestDeployment"]!["status"]!.GetValue<string>() == "SUCCEEDED", "the service stops");
        Assert.Equal(0UL, Replicas(await SwarmServiceAsync(id)));
        await admin.DataAsync("mutation($id: ID!) { startService(id: $id) { desiredState } }", new { id });
        var started = await WaitForAsync(admin, id, s => Runs(s, 3, 2), "the service runs again");

        // Restart: every task replaced by a rolling update.
        var before = started["instances"]!.AsArray().Select(i => i!["containerId"]!.GetValue<string>()).ToList();
        await admin.DataAsync("mutation($id: ID!) { restartService(id: $id) { restartGeneration } }", new { id });
        await WaitForAsync(
            admin,
            id,
            s => Runs(s, 3, 2) && s["latestDeployment"]!["kind"]!.GetValue<string>() == "RESTART"
                && !s["instances"]!.AsArray().Any(i => before.Contains(i!["containerId"]!.GetValue<string>())),
            "fresh tasks replace the old ones");

        // Removed with the service, tasks and all.
        await admin.DataAsync("mutation($id: ID!) { deleteService(id: $id) }", new { id });
        Assert.True(await Eventually.TrueAsync(async () => await SwarmServiceAsync(id) is null, TimeSpan.FromSeconds(30)), "the swarm service is removed");
        Assert.True(
            await Eventually.TrueAsync(async () => (await OurContainersAsync(id)).Count == 0, TimeSpan.FromSeconds(30)),
            "the service's task containers are removed");
    }

    [Fact]
    public async Task A_revision_whose_tasks_fail_is_rolled_back()
    {
        var admin = await App.AdminAsync();
        var clientId = await admin.CreateClientAsync(Unique("swr"));
        var id = await CreateAsync(admin, clientId, "web", WebSpec(EngineApp.Image, 2));
        await WaitForAsync(admin, id, s => Runs(s, 1, 2), "2 replicas of revision 1 run");

        // Revision 2's tasks exit at once: Swarm rolls the update back, and so does the deployment.
        await admin.DataAsync(Update, new { input = new { id, spec = new { image = EngineApp.Image, command = new[] { "false" }, cpuMillicores = 50, memoryMiB = 16, replicas = 2 } } });
        var rolledBack = await WaitForAsync(admin, id, s => s["revision"]!.GetValue<int>() == 3, "revision 2 is rolled back (revision 3 written)");
        var deployments = await admin.DataAsync("query($id: ID!) { service(id: $id) { deployments { edges { node { revision kind status error } } } } }", new { id });
        var second = deployments["service"]!["deployments"]!["edges"]!.AsArray().Select(e => e!["node"]!).Single(d => d["revision"]!.GetValue<int>() == 2);
        Assert.Equal("ROLLED_BACK", second["status"]!.GetValue<string>());

        // Ended by Swarm's own rollback (seconds), not by the rollout timeout (15 s here).
        Assert.Contains("Swarm rolled back revision 2", second["error"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("AUTO_ROLLBACK", rolledBack["latestDeployment"]!["kind"]!.GetValue<string>());
        await WaitForAsync(admin, id, s => Runs(s, 3, 2), "revision 3 (revision 1's spec) runs");
    }

    [Fact]
    public async Task Swarm_services_with_our_labels_but_no_service_are_removed()
    {
        var labels = new Dictionary<string, string>
        {
            ["io.privatenexus.managed"] = "true",
            ["io.privatenexus.node"] = _engine.NodeId,
            ["io.privatenexus.service"] = Guid.NewGuid().ToString(),
            ["io.privatenexus.client"] = Guid.NewGuid().ToString(),
            ["io.privatenexus.revision"] = "1",
        };
        var orphan = await _engine.Docker.Swarm.CreateServiceAsync(
            new ServiceCreateParameters
            {
                Service = new ServiceSpec
                {
                    Name = $"pnx-orphan-{Guid.NewGuid():N}"[..24],
                    Labels = labels,
                    Mode = new ServiceMode { Replicated = new ReplicatedService { Replicas = 2 } },
                    TaskTemplate = new TaskSpec { ContainerSpec = new ContainerSpec { Image = EngineApp.Image, Command = ["sleep", "300"], Labels = labels } },
                    EndpointSpec = new EndpointSpec { Mode = "dnsrr" },
                },
            },
            TestContext.Current.CancellationToken);

        Assert.True(await Eventually.TrueAsync(async () => await SwarmServiceAsync(labels["io.privatenexus.service"]) is null, TimeSpan.FromSeconds(30)), $"the orphan swarm service {orphan.ID} is removed");
    }

    [Fact]
    public async Task Node_reports_itself_a_swarm_manager()
    {
        var admin = await App.AdminAsync();
        const string Node = "query($id: ID!) { node(id: $id) { status engine { swarmRole } } }";
        Assert.True(
            await Eventually.TrueAsync(
                async () => (await admin.DataAsync(Node, new { id = _engine.NodeId }))["node"]!["engine"]?["swarmRole"]?.GetValue<string>() == "manager",
                TimeSpan.FromSeconds(30)),
            "the node reports the swarm role manager");
    }

    private async Task<IList<ContainerListResponse>> OurContainersAsync(string serviceId) =>
        await _engine.Docker.Containers.ListContainersAsync(
            new ContainersListParameters
            {
                All = true,
                Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"io.privatenexus.service={serviceId}"] = true } },
            },
            TestContext.Current.CancellationToken);
}

[CollectionDefinition(nameof(SwarmEngineCollection))]
public sealed class SwarmEngineCollection : ICollectionFixture<SwarmEngineApp>;
