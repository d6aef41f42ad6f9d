using Docker.DotNet;
using Docker.DotNet.Models;
using PrivateNexus.Tests.Infrastructure;

namespace PrivateNexus.Tests.Engine;

/// <summary>
/// A server whose node agents run against one real engine that scripts/test-env.sh starts, named by
/// an environment variable: the private Docker engine (PNX_TEST_DOCKER_HOST) for this class, Podman's
/// Docker-compatible API (PNX_TEST_PODMAN_HOST) for <see cref="PodmanEngineApp"/>. Each fixture is
/// its own server with its own database, so its node agents only ever see its own engine. Short
/// intervals so convergence is quick to observe.
/// </summary>
public class EngineApp : PnxApp
{
    public EngineApp()
        : this("docker", "PNX_TEST_DOCKER_HOST")
    {
    }

    protected EngineApp(string engineName, string endpointVariable)
    {
        EngineName = engineName;
        EndpointVariable = endpointVariable;
    }

    public static string? DockerHost => Environment.GetEnvironmentVariable("PNX_TEST_DOCKER_HOST");

    public static string Image => Environment.GetEnvironmentVariable("PNX_TEST_IMAGE") ?? "pnx-test/busybox:1";

    public static string ImageV2 => Environment.GetEnvironmentVariable("PNX_TEST_IMAGE_V2") ?? "pnx-test/busybox:2";

    /// <summary><c>docker</c> or <c>podman</c>: also the name of the node this fixture registers.</summary>
    public string EngineName { get; }

    public bool IsPodman => EngineName == "podman";

    /// <summary>The engine is a swarm manager (<see cref="SwarmEngineApp"/>).</summary>
    public bool IsSwarm => EngineName == "swarm";

    /// <summary>The environment variable holding the engine's endpoint (<c>unix://…</c>).</summary>
    public string EndpointVariable { get; }

    /// <summary>The engine's endpoint, or null when the test environment did not provide one.</summary>
    public string? Endpoint => Environment.GetEnvironmentVariable(EndpointVariable) is { Length: > 0 } endpoint ? endpoint : null;

    public override string Provider => "sqlite";

    public string NodeId { get; private set; } = "";

    /// <summary>A client of the engine itself, to act behind the server's back and check what it did.</summary>
    public IDockerClient Docker { get; private set; } = null!;

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Pnx:Engine:Enabled"] = "true",
        ["Pnx:Engine:ResyncInterval"] = "00:00:05",
        ["Pnx:Engine:ReconcileInterval"] = "00:00:02",
        ["Pnx:Engine:RolloutTimeout"] = "00:00:15",
        ["Pnx:Engine:StatsInterval"] = "00:00:02",
        ["Pnx:Engine:PublishAddress"] = "127.0.0.1",
        ["Pnx:Engine:PortRangeStart"] = "20000",
        ["Pnx:Engine:PortRangeEnd"] = "29999",
    };

    public override async ValueTask InitializeAsync()
    {
        if (Endpoint is not { } endpoint)
        {
            return;
        }

        Docker = new DockerClientBuilder().WithEndpoint(new Uri(endpoint)).Build();
        await RemoveOurContainersAsync(leftovers: true);
        await base.InitializeAsync();
        var admin = await AdminAsync();
        var node = await admin.DataAsync(
            "mutation($n: String!, $e: String!) { createNode(input: { name: $n, endpoint: $e }) { id } }", new { n = EngineName, e = endpoint });
        NodeId = node["createNode"]!["id"]!.GetValue<string>();
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (Endpoint is not null)
        {
            if (NodeId.Length > 0)
            {
                // Twice: a create the server had in flight when it stopped may land just after the first pass.
                await RemoveOurContainersAsync();
                await Task.Delay(TimeSpan.FromSeconds(1));
                await RemoveOurContainersAsync();
            }

            Docker.Dispose();
        }

        GC.SuppressFinalize(this);
    }

    /// <summary>Skips the test when this fixture's engine is not available, except in CI (env CI set), where that fails it.</summary>
    public void Require() => Require(EndpointVariable);

    public static void RequireDocker() => Require("PNX_TEST_DOCKER_HOST");

    public static void RequireSwarm() => Require("PNX_TEST_DOCKER_SWARM_HOST");

    public override Task<string?> ReadStoredAsync(string table, string column, string id) => throw new NotSupportedException();

    private static void Require(string variable)
    {
        if (Environment.GetEnvironmentVariable(variable) is { Length: > 0 })
        {
            return;
        }

        Assert.False(Environment.GetEnvironmentVariable("CI") is { Length: > 0 }, $"{variable} is not set in CI.");
        Assert.Skip($"{variable} is not set; run scripts/test.sh.");
    }

    /// <summary>
    /// Leaves the test engine as it found it, without disturbing other runs that share it (other
    /// worktrees and sessions use the same engine at the same time): at the end this fixture's
    /// containers and networks (labelled with its node), at the start only what runs that crashed or
    /// failed left behind long ago, and old volumes.
    /// </summary>
    private async Task RemoveOurContainersAsync(bool leftovers = false)
    {
        var label = leftovers ? "io.privatenexus.managed=true" : $"io.privatenexus.node={NodeId}";
        var before = TimeProvider.System.GetUtcNow().AddMinutes(leftovers ? -30 : 1);
        var filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [label] = true } };

        // Swarm services first: they would only start new tasks for containers removed under them.
        if (IsSwarm)
        {
            foreach (var service in await Docker.Swarm.ListServicesAsync(new ServiceListParameters { Filters = filters }))
            {
                if (service.CreatedAt < before.UtcDateTime)
                {
                    await IgnoringGoneAsync(() => Docker.Swarm.RemoveServiceAsync(service.ID));
                }
            }
        }
        foreach (var container in await Docker.Containers.ListContainersAsync(new ContainersListParameters { All = true, Filters = filters }))
        {
            if (container.Created < before)
            {
                await IgnoringGoneAsync(() => Docker.Containers.RemoveContainerAsync(container.ID, new ContainerRemoveParameters { Force = true }));
            }
        }

        foreach (var network in await Docker.Networks.ListNetworksAsync(new NetworksListParameters { Filters = filters }))
        {
            if (network.Created < before)
            {
                await IgnoringGoneAsync(() => Docker.Networks.DeleteNetworkAsync(network.ID));
            }
        }

        if (leftovers)
        {
            // Volumes carry no node label (a client's data outlives a node record): only old ones, unused.
            var volumes = await Docker.Volumes.ListAsync(new VolumesListParameters { Filters = filters });
            foreach (var volume in volumes.Volumes ?? [])
            {
                if (DateTimeOffset.TryParse(volume.CreatedAt, System.Globalization.CultureInfo.InvariantCulture, out var created) && created < before)
                {
                    await IgnoringGoneAsync(() => Docker.Volumes.RemoveAsync(volume.Name));
                }
            }
        }
    }

    /// <summary>Removed meanwhile (by the server, or by another run), or still in use by another run's container (409, or 403 for a network): not ours to fail on.</summary>
    private static async Task IgnoringGoneAsync(Func<Task> remove)
    {
        try
        {
            await remove();
        }
        catch (DockerApiException ex) when (ex.StatusCode is System.Net.HttpStatusCode.NotFound or System.Net.HttpStatusCode.Conflict or System.Net.HttpStatusCode.Forbidden
            || PrivateNexus.Server.Engine.EngineCalls.IsGone(ex))
        {
        }
    }
}

/// <summary>The same server against Podman's Docker-compatible API (<c>podman system service</c>, PNX_TEST_PODMAN_HOST).</summary>
public sealed class PodmanEngineApp : EngineApp
{
    public PodmanEngineApp()
        : base("podman", "PNX_TEST_PODMAN_HOST")
    {
    }
}

/// <summary>
/// The same server against a second private Docker engine that is a single-node swarm manager
/// (PNX_TEST_DOCKER_SWARM_HOST), where replicated services run as Swarm services.
/// </summary>
public class SwarmEngineApp : EngineApp
{
    public SwarmEngineApp()
        : base("swarm", "PNX_TEST_DOCKER_SWARM_HOST")
    {
    }

    /// <summary>
    /// Swarm rolls out one task at a time and gives each old one its stop grace: a rollout (or a
    /// rollback after Swarm's own) of a few replicas takes longer than the 15 s the container suite
    /// allows, on a busy machine. Failures are still seen at once: Swarm rolls back failing tasks itself.
    /// </summary>
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
    {
        ["Pnx:Engine:RolloutTimeout"] = "00:01:00",
    };
}
