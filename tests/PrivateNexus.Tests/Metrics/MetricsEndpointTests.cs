using System.Net;
using System.Net.Http.Headers;
using PrivateNexus.Tests.Infrastructure;

namespace PrivateNexus.Tests.Metrics;

/// <summary>
/// <c>/metrics</c> on the shared SQLite server (default protection: loopback, no token): valid
/// exposition format, and the server's own metrics after real GraphQL traffic over HTTP and WebSocket.
/// </summary>
public sealed class MetricsEndpointTests(SqliteApp app) : AppTests(app)
{
    internal static async Task<PrometheusText> ScrapeAsync(PnxApp app, string? token = null)
    {
        using var http = app.Http();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        return PrometheusText.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Graphql_operations_are_counted_by_name_type_and_outcome_with_latency_histograms()
    {
        var admin = await App.AdminAsync();
        var name = "MetricsProbe" + Guid.NewGuid().ToString("N")[..8];
        await admin.DataAsync($"query {name} {{ me {{ id }} }}");
        await admin.DataAsync($"query {name} {{ me {{ id }} }}");
        await admin.DataAsync("{ me { id } }");
        var missing = await admin.SendAsync($"query {name}Missing($id: ID!) {{ client(id: $id) {{ id }} }}", new { id = Guid.NewGuid() });
        Assert.Equal("NOT_FOUND", missing.ErrorCode);
        var invalid = await admin.SendAsync($"query {name}Invalid {{ noSuchField }}");
        Assert.NotNull(invalid.Errors);
        var stranger = await App.Anonymous().SendAsync($"query {name}Stranger {{ me {{ id }} }}");
        Assert.Equal("UNAUTHENTICATED", stranger.ErrorCode);
        var mutation = await admin.SendAsync($"mutation {name}Mutation {{ deleteService(id: \"{Guid.NewGuid()}\") }}");
        Assert.NotNull(mutation.Errors);

        var metrics = await ScrapeAsync(App);
        Assert.Equal("histogram", metrics.Types["pnx_graphql_operation_duration_seconds"]);
        var ok = Assert.Single(metrics.Find("pnx_graphql_operation_duration_seconds_count", ("operation", name), ("type", "query"), ("outcome", "ok")));
        Assert.Equal(2, ok.Value);
        var buckets = metrics.Find("pnx_graphql_operation_duration_seconds_bucket", ("operation", name), ("outcome", "ok")).ToList();
        Assert.Equal(2, Assert.Single(buckets, b => b.Labels["le"] == "+Inf").Value);
        Assert.True(Assert.Single(metrics.Find("pnx_graphql_operation_duration_seconds_sum", ("operation", name), ("outcome", "ok"))).Value > 0);

        Assert.NotEmpty(metrics.Find("pnx_graphql_operation_duration_seconds_count", ("operation", "anonymous"), ("type", "query"), ("outcome", "ok")));
        Assert.Single(metrics.Find("pnx_graphql_operation_duration_seconds_count", ("operation", name + "Missing"), ("outcome", "NOT_FOUND")));
        Assert.Single(metrics.Find("pnx_graphql_operation_duration_seconds_count", ("operation", name + "Mutation"), ("type", "mutation")));

        // A caller without a credential cannot add a name (so strangers cannot use up the cap).
        Assert.Empty(metrics.Find("pnx_graphql_operation_duration_seconds_count", ("operation", name + "Stranger")));
        Assert.NotEmpty(metrics.Find("pnx_graphql_operation_duration_seconds_count", ("operation", "other"), ("outcome", "UNAUTHENTICATED")));

        // A document that never executed lends no name to the label set.
        Assert.Empty(metrics.Find("pnx_graphql_operation_duration_seconds_count", ("operation", name + "Invalid")));
        Assert.Contains(metrics.Find("pnx_graphql_operation_duration_seconds_count", ("operation", "invalid")), s => s.Labels["outcome"] != "ok");
    }

    [Fact]
    public async Task Http_websocket_event_bus_and_process_metrics_are_exported()
    {
        var admin = await App.AdminAsync();
        await using var socket = await GraphQLWsClient.ReadyAsync(App, admin.Token!);
        var operation = "MetricsSocket" + Guid.NewGuid().ToString("N")[..8];
        await socket.SubscribeAsync("1", $"query {operation} {{ me {{ id }} }}");
        Assert.Equal("next", (await socket.ReceiveForAsync("1"))["type"]?.GetValue<string>());

        var metrics = await ScrapeAsync(App);
        Assert.True(Assert.Single(metrics.Find("pnx_websocket_connections")).Value >= 1);
        Assert.Single(metrics.Find("pnx_graphql_operation_duration_seconds_count", ("operation", operation), ("outcome", "ok")));
        Assert.Contains(metrics.Find("http_requests_received_total", ("endpoint", "/graphql")), s => s.Labels["code"] == "200" && s.Value > 0);
        Assert.Contains(metrics.Find("http_request_duration_seconds_count"), s => s.Value > 0);
        Assert.Equal("counter", metrics.Types["pnx_events_published_total"]);
        Assert.Single(metrics.Find("pnx_events_delivered_total"));
        Assert.Single(metrics.Find("pnx_events_dropped_total"));
        Assert.Single(metrics.Find("pnx_event_subscriptions"));
        Assert.True(Assert.Single(metrics.Find("process_cpu_seconds_total")).Value > 0);
    }

    [Fact]
    public async Task Without_a_trusted_proxy_a_forwarded_address_is_not_believed()
    {
        // Else any caller could claim 127.0.0.1 and pass the loopback-only default (and dodge per-IP limits).
        using var http = App.Http();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.Add("X-Forwarded-For", "203.0.113.7");
        using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
