using PrivateNexus.Tests.Engine;
using PrivateNexus.Tests.Infrastructure;

namespace PrivateNexus.Tests.Metrics;

/// <summary>
/// The engine server, told where its Prometheus will listen before it starts; each test starts that
/// Prometheus (scraping every second) on <see cref="PrometheusPort"/> when it needs it.
/// </summary>
public sealed class PrometheusEngineApp : EngineApp
{
    public int PrometheusPort { get; } = PrometheusServer.FreePort();

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
    {
        ["Pnx:PrometheusUrl"] = $"http://127.0.0.1:{PrometheusPort}",
    };
}

[CollectionDefinition(nameof(PrometheusEngineCollection))]
public sealed class PrometheusEngineCollection : ICollectionFixture<PrometheusEngineApp>;

/// <summary>A real container's numbers, through a real Prometheus, back out through GraphQL.</summary>
[Collection(nameof(PrometheusEngineCollection))]
public sealed class ServiceMetricsPrometheusTests : AppTests
{
    // A little CPU (a shell loop), then idle.
    private static readonly string[] Busy = ["sh", "-c", "i=0; while [ $i -lt 30000 ]; do i=$((i+1)); done; sleep 3600"];

    private const string MetricsQuery = """
        query($id: ID!, $step: String) {
          service(id: $id) { name metrics(range: "5m", step: $step) { cpu { time value } memory { time value } networkRx { value } networkTx { value } } }
        }
        """;

    private readonly PrometheusEngineApp _engine;

    public ServiceMetricsPrometheusTests(PrometheusEngineApp app)
        : base(app)
    {
        EngineApp.RequireDocker();
        PrometheusServer.Require();
        _engine = app;
    }

    [Fact]
    public async Task A_running_container_s_cpu_and_memory_come_back_from_prometheus_and_a_stopped_prometheus_is_METRICS_UNAVAILABLE()
    {
        var admin = await App.AdminAsync();
        var clientId = await admin.CreateClientAsync(Unique("promql"));
        var created = await admin.DataAsync(
            "mutation($input: CreateServiceInput!) { createService(input: $input) { id } }",
            new { input = new { clientId, name = "busy", nodeId = _engine.NodeId, spec = new { image = EngineApp.Image, command = Busy, cpuMillicores = 100, memoryMiB = 16 } } });
        var serviceId = created["createService"]!["id"]!.GetValue<string>();
        var viewer = await App.MemberAsync(clientId, "VIEWER");

        GraphQLResult last = null!;
        await using (var prometheus = await PrometheusServer.StartAsync(App, port: _engine.PrometheusPort))
        {
            var seen = await Eventually.TrueAsync(
                async () =>
                {
                    last = await viewer.SendAsync(MetricsQuery, new { id = serviceId, step = "2s" });
                    var metrics = last.Data?["service"]?["metrics"];
                    return last.Errors is null
                        && metrics?["memory"]?.AsArray().Any(p => p!["value"]!.GetValue<double>() > 0) == true
                        && metrics["cpu"]!.AsArray().Count > 0;
                },
                TimeSpan.FromSeconds(60));
            Assert.True(seen, $"the service's metrics never came back from Prometheus: {last}");

            var metrics = last.Data!["service"]!["metrics"]!;
            Assert.All(metrics["cpu"]!.AsArray(), p => Assert.InRange(p!["value"]!.GetValue<double>(), 0, 1)); // 100 millicores at most, roughly
            Assert.NotEmpty(metrics["networkRx"]!.AsArray());
            var times = metrics["memory"]!.AsArray().Select(p => p!["time"]!.GetValue<DateTimeOffset>()).ToList();
            Assert.Equal(times.Order(), times);

            var usage = (await viewer.DataAsync("query($id: ID!) { client(id: $id) { usage { services cpu memory } } }", new { id = clientId }))["client"]!["usage"]!;
            Assert.Equal(1, usage["services"]!.GetValue<int>());
            Assert.True(usage["memory"]!.GetValue<double>() > 0, usage.ToJsonString());
        }

        // Prometheus is gone (a new step: not an answer the cache still holds).
        var after = await viewer.SendAsync(MetricsQuery, new { id = serviceId, step = "3s" });
        Assert.Equal("METRICS_UNAVAILABLE", after.ErrorCode);
        Assert.Equal("busy", after.Data?["service"]?["name"]?.GetValue<string>());
        Assert.Null(after.Data?["service"]?["metrics"]);

        await admin.DataAsync("mutation($id: ID!) { deleteService(id: $id) }", new { id = serviceId });
    }
}
