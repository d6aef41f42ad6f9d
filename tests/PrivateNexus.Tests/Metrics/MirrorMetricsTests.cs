using System.Collections.Immutable;
using PrivateNexus.Server.Engine;
using PrivateNexus.Server.Features.Metrics;
using Prometheus;

namespace PrivateNexus.Tests.Metrics;

/// <summary>
/// The scrape-time export of the mirror, without an engine: series follow the mirror exactly (a
/// stopped container keeps up=0 and loses its stats series, a removed one loses everything), and a
/// counter that went down — the container restarted under the same id — starts its series again.
/// </summary>
public sealed class MirrorMetricsTests
{
    private static readonly Guid Node = Guid.NewGuid();
    private static readonly Guid Client = Guid.NewGuid();
    private static readonly Guid Service = Guid.NewGuid();

    private readonly StateMirror _mirror = new();
    private readonly CollectorRegistry _registry = Prometheus.Metrics.NewCustomRegistry();

    public MirrorMetricsTests() => _ = new ContainerMetrics(_registry, _mirror);

    private static ContainerState Container(string state, string? health = null, int restarts = 0) =>
        new("c1", "pnx-web-1", Service, Client, 1, 1, 0, state, health, 0, restarts, null, "img", []);

    private static ContainerStats Stats(long cpuNanoseconds, long rx) =>
        new(DateTimeOffset.UnixEpoch.AddSeconds(1_000), 1.5, 4_096, 16 * 1024 * 1024, rx, 20, 30, 40) { CpuUsageNanoseconds = cpuNanoseconds };

    private void Mirror(ContainerState? container, ContainerStats? stats) =>
        _mirror.Update(Node, n => n with
        {
            Status = NodeStatus.Online,
            Containers = container is null ? ImmutableDictionary<string, ContainerState>.Empty : ImmutableDictionary<string, ContainerState>.Empty.Add(container.Id, container),
            Stats = stats is null ? ImmutableDictionary<string, ContainerStats>.Empty : ImmutableDictionary<string, ContainerStats>.Empty.Add("c1", stats),
        });

    private async Task<PrometheusText> ScrapeAsync()
    {
        using var stream = new MemoryStream();
        await _registry.CollectAndExportAsTextAsync(stream, TestContext.Current.CancellationToken);
        return PrometheusText.Parse(System.Text.Encoding.UTF8.GetString(stream.ToArray()));
    }

    private static double? Value(PrometheusText metrics, string name) =>
        metrics.Find(name, ("service", Service.ToString()), ("client", Client.ToString()), ("node", Node.ToString()), ("container", "pnx-web-1")).SingleOrDefault()?.Value;

    [Fact]
    public async Task Series_follow_the_mirror_and_counters_restart_when_the_engine_counters_reset()
    {
        Mirror(Container("running", health: "healthy", restarts: 2), Stats(3_500_000_000, rx: 1_000));
        var metrics = await ScrapeAsync();
        Assert.Equal(1, Value(metrics, "pnx_container_up"));
        Assert.Equal(1, Value(metrics, "pnx_container_healthy"));
        Assert.Equal(2, Value(metrics, "pnx_container_restarts_total"));
        Assert.Equal(3.5, Value(metrics, "pnx_container_cpu_seconds_total"));
        Assert.Equal(4_096, Value(metrics, "pnx_container_memory_working_set_bytes"));
        Assert.Equal(16 * 1024 * 1024, Value(metrics, "pnx_container_memory_limit_bytes"));
        Assert.Equal(1_000, Value(metrics, "pnx_container_network_receive_bytes_total"));
        Assert.Equal(20, Value(metrics, "pnx_container_network_transmit_bytes_total"));
        Assert.Equal(30, Value(metrics, "pnx_container_block_read_bytes_total"));
        Assert.Equal(40, Value(metrics, "pnx_container_block_write_bytes_total"));
        Assert.Equal(1_000, Value(metrics, "pnx_container_stats_sampled_timestamp_seconds"));
        Assert.Equal(1, Assert.Single(metrics.Find("pnx_node_up", ("node", Node.ToString()))).Value);

        // Restarted under the same id: the engine's counters start again from zero, so do ours.
        Mirror(Container("running", health: "unhealthy", restarts: 3), Stats(500_000_000, rx: 10));
        metrics = await ScrapeAsync();
        Assert.Equal(0.5, Value(metrics, "pnx_container_cpu_seconds_total"));
        Assert.Equal(10, Value(metrics, "pnx_container_network_receive_bytes_total"));
        Assert.Equal(3, Value(metrics, "pnx_container_restarts_total"));
        Assert.Equal(0, Value(metrics, "pnx_container_healthy"));

        // Stopped: still there (up 0), but no stats series and no health.
        Mirror(Container("exited"), null);
        metrics = await ScrapeAsync();
        Assert.Equal(0, Value(metrics, "pnx_container_up"));
        Assert.Null(Value(metrics, "pnx_container_healthy"));
        Assert.Null(Value(metrics, "pnx_container_cpu_seconds_total"));
        Assert.Null(Value(metrics, "pnx_container_memory_working_set_bytes"));

        // Removed: nothing of it is left.
        Mirror(null, null);
        metrics = await ScrapeAsync();
        Assert.DoesNotContain(metrics.Samples, s => s.Name.StartsWith("pnx_container_", StringComparison.Ordinal));
    }

    [Fact]
    public void Operation_labels_are_bounded()
    {
        using var bus = new PrivateNexus.Server.Events.EventBus(Microsoft.Extensions.Logging.Abstractions.NullLogger<PrivateNexus.Server.Events.EventBus>.Instance);
        using var sockets = new PrivateNexus.Server.GraphQL.WebSockets.ConnectionRegistry(bus);
        var metrics = new ServerMetrics(Prometheus.Metrics.NewCustomRegistry(), bus, sockets);
        Assert.Equal("anonymous", metrics.OperationLabel(null, mayAdd: true));
        Assert.Equal("other", metrics.OperationLabel("Stranger", mayAdd: false));
        Assert.Equal("invalid", metrics.OperationLabel(ServerMetrics.Invalid, mayAdd: false));
        for (var i = 0; i < ServerMetrics.MaxOperationNames; i++)
        {
            Assert.Equal($"Op{i}", metrics.OperationLabel($"Op{i}", mayAdd: true));
        }

        Assert.Equal("other", metrics.OperationLabel("OneTooMany", mayAdd: true));
        Assert.Equal("Op7", metrics.OperationLabel("Op7", mayAdd: false));
    }
}
