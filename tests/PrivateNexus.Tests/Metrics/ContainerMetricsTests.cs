using PrivateNexus.Tests.Engine;
using PrivateNexus.Tests.Infrastructure;

namespace PrivateNexus.Tests.Metrics;

/// <summary>
/// Per-container and engine metrics from a server whose node agents run against the real test
/// Docker engine: a service's container shows up with its labels and plausible numbers, disappears
/// when it is removed, and a real Prometheus scrapes all of it.
/// </summary>
[Collection(nameof(EngineCollection))]
public sealed class ContainerMetricsTests : AppTests
{
    // A little CPU (a shell loop), then idle.
    private static readonly string[] Busy = ["sh", "-c", "i=0; while [ $i -lt 30000 ]; do i=$((i+1)); done; sleep 3600"];

    private readonly EngineApp _engine;

    public ContainerMetricsTests(EngineApp app)
        : base(app)
    {
        EngineApp.RequireDocker();
        _engine = app;
    }

    private async Task<(GraphQLClient Admin, string Slug, string ClientId, string ServiceId, string Name)> ServiceAsync()
    {
        var admin = await App.AdminAsync();
        var slug = Unique("metrics");
        var clientId = await admin.CreateClientAsync(slug);
        var name = "busy";
        var created = await admin.DataAsync(
            "mutation($input: CreateServiceInput!) { createService(input: $input) { id } }",
            new { input = new { clientId, name, nodeId = _engine.NodeId, spec = new { image = EngineApp.Image, command = Busy, cpuMillicores = 100, memoryMiB = 16 } } });
        return (admin, slug, clientId, created["createService"]!["id"]!.GetValue<string>(), name);
    }

    [Fact]
    public async Task A_running_container_is_exported_with_its_labels_and_numbers_and_dropped_after_removal()
    {
        var (admin, slug, clientId, serviceId, name) = await ServiceAsync();
        PrometheusText metrics = null!;
        bool Sampled() => metrics.Find("pnx_container_memory_working_set_bytes", ("service", serviceId)).Any(s => s.Value > 0)
            && metrics.Find("pnx_container_cpu_seconds_total", ("service", serviceId)).Any(s => s.Value > 0);
        var seen = await Eventually.TrueAsync(
            async () =>
            {
                metrics = await MetricsEndpointTests.ScrapeAsync(App);
                return Sampled();
            },
            TimeSpan.FromSeconds(60));
        Assert.True(seen, "the container's stats never showed up on /metrics");

        var up = Assert.Single(metrics.Find("pnx_container_up", ("service", serviceId)));
        Assert.Equal(1, up.Value);
        Assert.Equal(clientId, up.Labels["client"]);
        Assert.Equal(_engine.NodeId, up.Labels["node"]);
        var container = up.Labels["container"];
        var inspected = await _engine.Docker.Containers.InspectContainerAsync(container, TestContext.Current.CancellationToken);
        Assert.True(inspected.State?.Running);
        Assert.Equal(16L * 1024 * 1024, (long)Assert.Single(metrics.Find("pnx_container_memory_limit_bytes", ("service", serviceId))).Value);
        Assert.Equal(0, Assert.Single(metrics.Find("pnx_container_restarts_total", ("service", serviceId))).Value);
        Assert.Single(metrics.Find("pnx_container_network_receive_bytes_total", ("service", serviceId), ("container", container)));
        Assert.Single(metrics.Find("pnx_container_network_transmit_bytes_total", ("service", serviceId)));
        Assert.Single(metrics.Find("pnx_container_block_read_bytes_total", ("service", serviceId)));
        Assert.Single(metrics.Find("pnx_container_block_write_bytes_total", ("service", serviceId)));
        Assert.Empty(metrics.Find("pnx_container_healthy", ("service", serviceId))); // no health check
        Assert.Equal("counter", metrics.Types["pnx_container_cpu_seconds_total"]);
        Assert.Equal("gauge", metrics.Types["pnx_container_memory_working_set_bytes"]);

        // Names for people, joined on the ids.
        Assert.True(await Eventually.TrueAsync(
            async () => (await MetricsEndpointTests.ScrapeAsync(App)).Find("pnx_service_info", ("service", serviceId), ("client", clientId), ("service_name", name), ("client_slug", slug)).Any(),
            TimeSpan.FromSeconds(45)), "pnx_service_info names the service");

        // The node and its engine work.
        metrics = await MetricsEndpointTests.ScrapeAsync(App);
        Assert.Equal(1, Assert.Single(metrics.Find("pnx_node_up", ("node", _engine.NodeId))).Value);
        Assert.Single(metrics.Find("pnx_node_info", ("node", _engine.NodeId), ("node_name", _engine.EngineName)));
        Assert.True(Assert.Single(metrics.Find("pnx_reconcile_duration_seconds_count", ("node", _engine.NodeId), ("outcome", "ok"))).Value > 0);
        Assert.True(Assert.Single(metrics.Find("pnx_engine_calls_total", ("node", _engine.NodeId), ("operation", "CreateAndStart"))).Value >= 1);
        Assert.True(Assert.Single(metrics.Find("pnx_engine_calls_total", ("node", _engine.NodeId), ("operation", "Stats"))).Value >= 1);

        await admin.DataAsync("mutation($id: ID!) { deleteService(id: $id) }", new { id = serviceId });
        var gone = await Eventually.TrueAsync(
            async () => !(await MetricsEndpointTests.ScrapeAsync(App)).Samples.Any(s => s.Name.StartsWith("pnx_container_", StringComparison.Ordinal) && s.Labels.GetValueOrDefault("service") == serviceId),
            TimeSpan.FromSeconds(45));
        Assert.True(gone, "the removed container's series are still exported");
    }

    [Fact]
    public async Task A_real_prometheus_scrapes_the_server_and_answers_queries_on_its_series()
    {
        PrometheusServer.Require();
        var (admin, _, _, serviceId, name) = await ServiceAsync();
        await using var prometheus = await PrometheusServer.StartAsync(App);

        IReadOnlyList<(System.Text.Json.Nodes.JsonObject Metric, double Value)> result = [];
        var scraped = await Eventually.TrueAsync(
            async () =>
            {
                result = await prometheus.QueryAsync($"pnx_container_memory_working_set_bytes{{service=\"{serviceId}\"}} * on(service) group_left(service_name) pnx_service_info");
                return result.Count == 1 && result[0].Value > 0;
            },
            TimeSpan.FromSeconds(60));
        var target = await prometheus.TargetAsync();
        Assert.True(scraped, $"Prometheus never had the container's memory (target {target.Health}: {target.Error})");
        Assert.Equal("up", target.Health);
        Assert.Equal(name, result[0].Metric["service_name"]!.GetValue<string>());
        Assert.Equal("privatenexus", result[0].Metric["job"]!.GetValue<string>());

        var up = await prometheus.QueryAsync($"pnx_container_up{{service=\"{serviceId}\"}}");
        Assert.Equal(1, Assert.Single(up).Value);
        Assert.NotEmpty(await prometheus.QueryAsync("pnx_graphql_operation_duration_seconds_count{outcome=\"ok\"}"));
        Assert.NotEmpty(await prometheus.QueryAsync("http_requests_received_total"));

        await admin.DataAsync("mutation($id: ID!) { deleteService(id: $id) }", new { id = serviceId });
    }
}
