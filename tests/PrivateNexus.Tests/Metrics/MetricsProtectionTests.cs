using System.Net;
using System.Net.Http.Headers;
using PrivateNexus.Server.Features.Metrics;
using PrivateNexus.Server.Hosting;
using PrivateNexus.Tests.Infrastructure;

namespace PrivateNexus.Tests.Metrics;

/// <summary>A server whose <c>/metrics</c> wants a bearer token and a loopback caller; 127.0.0.1 is a trusted proxy so a test can claim to come from elsewhere.</summary>
public sealed class ProtectedMetricsApp : PnxApp
{
    public const string Token = "metrics-scrape-token-0123456789";

    public override string Provider => "sqlite";

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Pnx:Metrics:BearerToken"] = Token,
        ["Pnx:Metrics:AllowedNetworks:0"] = "127.0.0.0/8",
        ["Pnx:Metrics:AllowedNetworks:1"] = "::1",
        ["Pnx:TrustedProxies:0"] = "127.0.0.1",
    };

    public override Task<string?> ReadStoredAsync(string table, string column, string id) => throw new NotSupportedException();
}

public sealed class MetricsProtectionTests(ProtectedMetricsApp app) : AppTests(app), IClassFixture<ProtectedMetricsApp>
{
    private async Task<HttpStatusCode> StatusAsync(string? authorization, string? forwardedFor = null)
    {
        using var http = App.Http();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        if (authorization is not null)
        {
            request.Headers.Authorization = AuthenticationHeaderValue.Parse(authorization);
        }

        if (forwardedFor is not null)
        {
            request.Headers.Add("X-Forwarded-For", forwardedFor);
        }

        using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            // A refusal shows nothing of the numbers.
            Assert.DoesNotContain("pnx_", body, StringComparison.Ordinal);
        }

        return response.StatusCode;
    }

    [Fact]
    public async Task A_scrape_needs_the_right_bearer_token()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(null));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync("Bearer wrong-token-wrong-token-wrong"));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync("Basic " + Convert.ToBase64String("a:b"u8.ToArray())));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync("Bearer " + ProtectedMetricsApp.Token + "x"));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync("Bearer " + ProtectedMetricsApp.Token));
    }

    [Fact]
    public async Task A_scrape_from_outside_the_allowed_networks_is_refused_even_with_the_token()
    {
        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync("Bearer " + ProtectedMetricsApp.Token, forwardedFor: "203.0.113.7"));
        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(null, forwardedFor: "10.1.2.3"));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync("Bearer " + ProtectedMetricsApp.Token, forwardedFor: "127.0.0.2"));
    }

    [Fact]
    public void The_default_is_loopback_only_and_a_token_alone_opens_every_network()
    {
        static int? Refusal(MetricsOptions options, string ip, string? authorization = null) =>
            new MetricsAccess(Microsoft.Extensions.Options.Options.Create(options)).Refusal(IPAddress.Parse(ip), authorization);

        var none = new MetricsOptions();
        Assert.Null(Refusal(none, "127.0.0.1"));
        Assert.Null(Refusal(none, "::1"));
        Assert.Null(Refusal(none, "::ffff:127.0.0.1"));

        // A client container on the same host reaches the server over a private bridge address: not by default.
        Assert.Equal(403, Refusal(none, "172.17.0.5"));
        Assert.Equal(403, Refusal(none, "10.0.0.8"));

        var token = new MetricsOptions { BearerToken = "0123456789abcdef0123" };
        Assert.Equal(401, Refusal(token, "198.51.100.4"));
        Assert.Null(Refusal(token, "198.51.100.4", "Bearer 0123456789abcdef0123"));

        var networks = new MetricsOptions { AllowedNetworks = ["10.20.0.0/16", "192.0.2.9"] };
        Assert.Null(Refusal(networks, "10.20.3.4"));
        Assert.Null(Refusal(networks, "192.0.2.9"));
        Assert.Equal(403, Refusal(networks, "10.21.0.1"));
        Assert.Equal(403, Refusal(networks, "127.0.0.1"));
    }

    [Fact]
    public void Bad_networks_and_short_tokens_fail_validation()
    {
        static bool Valid(MetricsOptions options) =>
            System.ComponentModel.DataAnnotations.Validator.TryValidateObject(options, new(options), null, validateAllProperties: true);

        Assert.True(Valid(new MetricsOptions { AllowedNetworks = ["10.0.0.0/8", "fd00::/8", "127.0.0.1"] }));
        Assert.False(Valid(new MetricsOptions { AllowedNetworks = ["10.0.0.0/33"] }));
        Assert.False(Valid(new MetricsOptions { AllowedNetworks = ["everyone"] }));
        Assert.False(Valid(new MetricsOptions { BearerToken = "short" }));
    }

    [Fact]
    public async Task Operation_names_are_capped_so_callers_cannot_grow_the_label_set()
    {
        var admin = await App.AdminAsync();
        var prefix = "MetricsFlood" + Guid.NewGuid().ToString("N")[..6];

        // More distinct names than the cap, in parallel batches (other tests' names count towards it too).
        for (var batch = 0; batch < 21; batch++)
        {
            await Task.WhenAll(Enumerable.Range(0, 10).Select(i => admin.DataAsync($"query {prefix}_{batch}_{i} {{ me {{ id }} }}")));
        }

        var metrics = await MetricsEndpointTests.ScrapeAsync(App, ProtectedMetricsApp.Token);
        var names = metrics.Find("pnx_graphql_operation_duration_seconds_count").Select(s => s.Labels["operation"]).Distinct().ToList();
        Assert.True(names.Count <= 200 + 10, $"{names.Count} operation names exported");
        Assert.Contains("other", names);
    }

    [Fact]
    public async Task Prometheus_scrapes_with_the_documented_authorization_and_is_refused_without_it()
    {
        PrometheusServer.Require();
        await using var right = await PrometheusServer.StartAsync(App, ProtectedMetricsApp.Token);
        await using var wrong = await PrometheusServer.StartAsync(App, "not-the-token-not-the-token");
        Assert.True(
            await Eventually.TrueAsync(async () => (await right.QueryAsync("pnx_websocket_connections")).Count == 1, TimeSpan.FromSeconds(30)),
            $"the scrape with the token never landed: {await right.TargetAsync()}");
        Assert.True(
            await Eventually.TrueAsync(async () => (await wrong.TargetAsync()).Health == "down", TimeSpan.FromSeconds(30)),
            $"the scrape without the right token was not refused: {await wrong.TargetAsync()}");
        Assert.Contains("401", (await wrong.TargetAsync()).Error, StringComparison.Ordinal);
        Assert.Empty(await wrong.QueryAsync("pnx_websocket_connections"));
    }
}
