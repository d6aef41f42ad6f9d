using Docker.DotNet;
using Docker.DotNet.Models;
using PrivateNexus.Tests.Infrastructure;

namespace PrivateNexus.Tests.Engine;

/// <summary>
/// A server whose node agents run against the real Docker engine that scripts/test-env.sh starts
/// (PNX_TEST_DOCKER_HOST), with short intervals so convergence is quick to observe.
/// </summary>
public sealed class EngineApp : PnxApp
{
    public static string? DockerHost => Environment.GetEnvironmentVariable("PNX_TEST_DOCKER_HOST");

    public static string Image => Environment.GetEnvironmentVariable("PNX_TEST_IMAGE") ?? "pnx-test/busybox:1";

    public static string ImageV2 => Environment.GetEnvironmentVariable("PNX_TEST_IMAGE_V2") ?? "pnx-test/busybox:2";

    public override string Provider => "sqlite";

    public string NodeId { get; private set; } = "";

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
        if (DockerHost is null)
        {
            return;
        }

        Docker = new DockerClientBuilder().WithEndpoint(new Uri(DockerHost)).Build();
        await RemoveOurContainersAsync();
        await base.InitializeAsync();
        var admin = await AdminAsync();
        var node = await admin.DataAsync(
            "mutation($e: String!) { createNode(input: { name: \"docker\", endpoint: $e }) { id } }", new { e = DockerHost });
        NodeId = node["createNode"]!["id"]!.GetValue<string>();
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (DockerHost is not null)
        {
            await RemoveOurContainersAsync();
            Docker.Dispose();
        }
    }

    public static void RequireDocker()
    {
        if (DockerHost is not null)
        {
            return;
        }

        Assert.False(Environment.GetEnvironmentVariable("CI") is { Length: > 0 }, "PNX_TEST_DOCKER_HOST is not set in CI.");
        Assert.Skip("PNX_TEST_DOCKER_HOST is not set; run scripts/test.sh.");
    }

    public override Task<string?> ReadStoredAsync(string table, string column, string id) => throw new NotSupportedException();

    /// <summary>Leaves the shared test engine as it found it: no container or network labelled as ours.</summary>
    private async Task RemoveOurContainersAsync()
    {
        var ours = await Docker.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { ["io.privatenexus.managed=true"] = true } },
        });
        foreach (var container in ours)
        {
            await Docker.Containers.RemoveContainerAsync(container.ID, new ContainerRemoveParameters { Force = true });
        }

        var networks = await Docker.Networks.ListNetworksAsync(new NetworksListParameters
        {
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { ["io.privatenexus.managed=true"] = true } },
        });
        foreach (var network in networks)
        {
            try
            {
                await Docker.Networks.DeleteNetworkAsync(network.ID);
            }
            catch (DockerApiException)
            {
                // Still in use by another test run on the same engine (developers run suites side by side).
            }
        }
    }
}
