using System.Text.Json.Nodes;
using PrivateNexus.Tests.Infrastructure;

namespace PrivateNexus.Tests.Metrics;

/// <summary>
/// Service.metrics and Client.usage against a <see cref="FakePrometheus"/>: what PromQL the server
/// sends for whom, how answers are read, and that a failing Prometheus costs only those fields.
/// </summary>
public sealed class ServiceMetricsTests(FakePrometheusApp app) : AppTests(app), IClassFixture<FakePrometheusApp>
{
    private const string MetricsQuery = """
        query($id: ID!, $range: String!, $step: String) {
          service(id: $id) { name metrics(range: $range, step: $step) { cpu { time value } memory { value } networkRx { value } networkTx { value } } }
        }
        """;

    private FakePrometheus Prometheus => ((FakePrometheusApp)App).Prometheus;

    private async Task<(GraphQLClient Admin, string ClientId, string ServiceId)> ServiceAsync()
    {
        Prometheus.Behaviour = FakePrometheus.Mode.Answer;
        var admin = await App.AdminAsync();
        await admin.EnsureNodeAsync();
        var clientId = await admin.CreateClientAsync(Unique("usage"));
        var service = await admin.CreateServiceAsync(clientId, "web");
        return (admin, clientId, service["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_member_reads_its_service_series_and_every_query_is_bound_to_that_service_and_client()
    {
        var (_, clientId, serviceId) = await ServiceAsync();
        var viewer = await App.MemberAsync(clientId, "VIEWER");
        Prometheus.Queries.Clear();

        var data = await viewer.DataAsync(MetricsQuery, new { id = serviceId, range = "1h", step = "60s" });

        var metrics = data["service"]!["metrics"]!;
        var cpu = metrics["cpu"]!.AsArray();
        Assert.Equal([0.25, 0], cpu.Select(p => p!["value"]!.GetValue<double>())); // NaN (no data) reads as 0
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000), cpu[0]!["time"]!.GetValue<DateTimeOffset>());
        Assert.Equal(2, metrics["memory"]!.AsArray().Count);
        var queries = Prometheus.Queries.ToArray();
        Assert.Equal(4, queries.Length);
        Assert.All(queries, q => Assert.Contains($"{{client=\"{clientId}\",service=\"{serviceId}\"}}", q, StringComparison.Ordinal));
        Assert.Contains(queries, q => q.Contains("rate(pnx_container_cpu_seconds_total{", StringComparison.Ordinal));
        Assert.Contains(queries, q => q.Contains("pnx_container_network_transmit_bytes_total{", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Another_tenant_cannot_read_a_service_s_metrics_and_prometheus_is_not_asked()
    {
        var (admin, _, serviceId) = await ServiceAsync();
        var otherClient = await admin.CreateClientAsync(Unique("other"));
        var stranger = await App.MemberAsync(otherClient, "OWNER");
        Prometheus.Queries.Clear();

        var result = await stranger.SendAsync(MetricsQuery, new { id = serviceId, range = "1h" });

        Assert.Equal("NOT_FOUND", result.ErrorCode);
        Assert.Empty(Prometheus.Queries);
    }

    [Fact]
    public async Task Client_usage_counts_services_from_the_database_and_reads_cpu_and_memory_on_the_client_label()
    {
        var (_, clientId, _) = await ServiceAsync();
        var viewer = await App.MemberAsync(clientId, "VIEWER");
        Prometheus.Queries.Clear();
        Prometheus.Value = 3.5;
        try
        {
            var data = await viewer.DataAsync("query($id: ID!) { client(id: $id) { quota { services } usage { services cpu memory } } }", new { id = clientId });

            var usage = data["client"]!["usage"]!;
            Assert.Equal(1, usage["services"]!.GetValue<int>());
            Assert.Equal(3.5, usage["cpu"]!.GetValue<double>());
            Assert.Equal(3.5, usage["memory"]!.GetValue<double>());
            var queries = Prometheus.Queries.ToArray();
            Assert.Equal(2, queries.Length);
            Assert.All(queries, q => Assert.Contains($"{{client=\"{clientId}\"}}", q, StringComparison.Ordinal));
        }
        finally
        {
            Prometheus.Value = 0.25;
        }
    }

    [Fact]
    public async Task A_page_of_clients_reads_its_usage_in_one_query_per_number_and_each_client_gets_its_own()
    {
        var (admin, first, _) = await ServiceAsync();
        var second = await admin.CreateClientAsync(Unique("usage"));
        await admin.CreateServiceAsync(second, "one");
        await admin.CreateServiceAsync(second, "two");
        var empty = await admin.CreateClientAsync(Unique("usage"));
        Prometheus.ClientValues[first] = 1.5;
        Prometheus.ClientValues[second] = 2.5;
        Prometheus.Queries.Clear();
        try
        {
            var data = await admin.DataAsync(
                "query($a: ID!, $b: ID!, $c: ID!) { a: client(id: $a) { usage { services cpu memory } } b: client(id: $b) { usage { services cpu memory } } c: client(id: $c) { usage { services cpu memory } } }",
                new { a = first, b = second, c = empty });

            Assert.Equal((1, 1.5, 1.5), Usage(data["a"]!));
            Assert.Equal((2, 2.5, 2.5), Usage(data["b"]!));
            Assert.Equal(0, data["c"]!["usage"]!["services"]!.GetValue<int>());
            var queries = Prometheus.Queries.ToArray();
            Assert.Equal(2, queries.Length); // cpu and memory, each for the three clients at once
            Assert.All(queries, q => Assert.Contains("client=~", q, StringComparison.Ordinal));
            Assert.All(queries, q => Assert.All(new[] { first, second, empty }, id => Assert.Contains(id, q, StringComparison.Ordinal)));
        }
        finally
        {
            Prometheus.ClientValues.Clear();
        }

        static (int, double, double) Usage(JsonNode client) =>
            (client["usage"]!["services"]!.GetValue<int>(), client["usage"]!["cpu"]!.GetValue<double>(), client["usage"]!["memory"]!.GetValue<double>());
    }

    [Fact]
    public async Task Node_usage_reads_the_node_label_for_staff()
    {
        var (admin, _, _) = await ServiceAsync();
        var nodeId = (await admin.DataAsync("{ nodes { id } }"))["nodes"]![0]!["id"]!.GetValue<string>();
        Prometheus.Queries.Clear();

        var data = await admin.DataAsync("query($id: ID!) { node(id: $id) { usage { containers cpu memory } } }", new { id = nodeId });

        var usage = data["node"]!["usage"]!;
        Assert.Equal(0.25, usage["cpu"]!.GetValue<double>());
        Assert.Equal(0, usage["containers"]!.GetValue<int>()); // no engine behind this server
        var queries = Prometheus.Queries.ToArray();
        Assert.Equal(2, queries.Length);
        Assert.All(queries, q => Assert.Contains($"{{node=\"{nodeId}\"}}", q, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(FakePrometheus.Mode.Error)]
    [InlineData(FakePrometheus.Mode.Drop)]
    public async Task A_failing_prometheus_nulls_only_the_metrics_fields_with_METRICS_UNAVAILABLE(FakePrometheus.Mode mode)
    {
        var (admin, clientId, serviceId) = await ServiceAsync();
        Prometheus.Behaviour = mode;
        try
        {
            var result = await admin.SendAsync(MetricsQuery, new { id = serviceId, range = "1h" });

            Assert.Equal("METRICS_UNAVAILABLE", result.ErrorCode);
            Assert.Equal("web", result.Data?["service"]?["name"]?.GetValue<string>());
            Assert.Null(result.Data?["service"]?["metrics"]);
            Assert.DoesNotContain("boom", result.ToString(), StringComparison.Ordinal); // Prometheus' own words stay in the log

            var usage = await admin.SendAsync("query($id: ID!) { client(id: $id) { slug usage { services cpu } } }", new { id = clientId });
            Assert.Equal("METRICS_UNAVAILABLE", usage.ErrorCode);
            Assert.Equal(1, usage.Data?["client"]?["usage"]?["services"]?.GetValue<int>());
            Assert.Null(usage.Data?["client"]?["usage"]?["cpu"]);

            // Read for several clients at once, the failure is every client's, not only the first one's.
            var other = await admin.CreateClientAsync(Unique("usage"));
            var both = await admin.SendAsync(
                "query($a: ID!, $b: ID!) { a: client(id: $a) { usage { cpu } } b: client(id: $b) { usage { cpu } } }", new { a = clientId, b = other });
            Assert.Null(both.Data?["a"]?["usage"]?["cpu"]);
            Assert.Null(both.Data?["b"]?["usage"]?["cpu"]);
            Assert.Equal(2, both.Errors!.Count(e => e!["extensions"]?["code"]?.GetValue<string>() == "METRICS_UNAVAILABLE"));
        }
        finally
        {
            Prometheus.Behaviour = FakePrometheus.Mode.Answer;
        }
    }

    [Theory]
    [InlineData("31d", null, "range")]
    [InlineData("soon", null, "range")]
    [InlineData("1h", "1s", "step")]
    public async Task Windows_out_of_bounds_are_BAD_USER_INPUT_naming_the_field(string range, string? step, string field)
    {
        var (admin, _, serviceId) = await ServiceAsync();
        Prometheus.Queries.Clear();

        var result = await admin.SendAsync(MetricsQuery, new { id = serviceId, range, step });

        Assert.Equal("BAD_USER_INPUT", result.ErrorCode);
        Assert.Equal(field, result.ErrorField);
        Assert.Equal("web", result.Data?["service"]?["name"]?.GetValue<string>());
        Assert.Empty(Prometheus.Queries);
    }
}

/// <summary>Without PNX_PROMETHEUS_URL the fields answer METRICS_UNAVAILABLE and everything else works.</summary>
public sealed class UnconfiguredMetricsTests(SqliteApp app) : AppTests(app)
{
    [Fact]
    public async Task Without_prometheus_metrics_are_unavailable_and_the_rest_of_the_answer_is_intact()
    {
        var admin = await App.AdminAsync();
        await admin.EnsureNodeAsync();
        var clientId = await admin.CreateClientAsync(Unique("nometrics"));
        var service = await admin.CreateServiceAsync(clientId, "web");

        var result = await admin.SendAsync(
            "query($id: ID!, $c: ID!) { service(id: $id) { name metrics { cpu { value } } } client(id: $c) { usage { services memory } } }",
            new { id = service["id"]!.GetValue<string>(), c = clientId });

        Assert.Equal("METRICS_UNAVAILABLE", result.ErrorCode);
        Assert.Equal("web", result.Data?["service"]?["name"]?.GetValue<string>());
        Assert.Null(result.Data?["service"]?["metrics"]);
        Assert.Equal(1, result.Data?["client"]?["usage"]?["services"]?.GetValue<int>());
        Assert.Contains("not configured", result.Errors![0]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }
}
