using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using PrivateNexus.Tests.Infrastructure;

namespace PrivateNexus.Tests.Metrics;

/// <summary>
/// A real Prometheus of a test's own (the binary scripts/test-env.sh found, PNX_TEST_PROMETHEUS_BIN),
/// scraping one test server every second, with its storage in a temporary directory removed afterwards.
/// </summary>
public sealed class PrometheusServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _dir;
    private readonly HttpClient _http;

    private PrometheusServer(Process process, string dir, Uri address)
    {
        (_process, _dir) = (process, dir);
        _http = new HttpClient { BaseAddress = address };
    }

    public static string? Binary => Environment.GetEnvironmentVariable("PNX_TEST_PROMETHEUS_BIN") is { Length: > 0 } path ? path : null;

    /// <summary>Skips when the test environment has no Prometheus, except in CI, where that fails.</summary>
    public static void Require()
    {
        if (Binary is not null)
        {
            return;
        }

        Assert.False(Environment.GetEnvironmentVariable("CI") is { Length: > 0 }, "PNX_TEST_PROMETHEUS_BIN is not set in CI.");
        Assert.Skip("PNX_TEST_PROMETHEUS_BIN is not set; run scripts/test.sh.");
    }

    /// <param name="port">Where it listens; by default a free port. A server that queries it was told the port before it started.</param>
    public static async Task<PrometheusServer> StartAsync(PnxApp target, string? bearerToken = null, int? port = null)
    {
        var dir = Path.Combine(Path.GetTempPath(), "pnx-tests", "prometheus-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(dir);
        var authorization = bearerToken is null ? "" : $"\n    authorization: {{ credentials: \"{bearerToken}\" }}";
        await File.WriteAllTextAsync(Path.Combine(dir, "prometheus.yml"), $$"""
            global: { scrape_interval: 1s, scrape_timeout: 1s }
            scrape_configs:
              - job_name: privatenexus
                metrics_path: /metrics{{authorization}}
                static_configs: [ { targets: ["{{target.BaseAddress.Authority}}"] } ]
            """);
        port ??= FreePort();
        var process = Process.Start(new ProcessStartInfo(Binary!)
        {
            ArgumentList =
            {
                $"--config.file={Path.Combine(dir, "prometheus.yml")}",
                $"--storage.tsdb.path={Path.Combine(dir, "data")}",
                $"--web.listen-address=127.0.0.1:{port}",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new PrometheusServer(process, dir, new Uri($"http://127.0.0.1:{port}"));
        var ready = await Eventually.TrueAsync(
            async () =>
            {
                try
                {
                    using var response = await server._http.GetAsync("/-/ready", TestContext.Current.CancellationToken);
                    return response.IsSuccessStatusCode;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            },
            TimeSpan.FromSeconds(30));
        Assert.True(ready, "Prometheus did not become ready");
        return server;
    }

    /// <summary>An instant query through the HTTP API: the result vector (metric labels and value per series).</summary>
    public async Task<IReadOnlyList<(JsonObject Metric, double Value)>> QueryAsync(string promql)
    {
        var body = JsonNode.Parse(await _http.GetStringAsync("/api/v1/query?query=" + Uri.EscapeDataString(promql), TestContext.Current.CancellationToken))!;
        Assert.Equal("success", body["status"]?.GetValue<string>());
        return [.. body["data"]!["result"]!.AsArray().Select(r => (r!["metric"]!.AsObject(), double.Parse(r["value"]![1]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture)))];
    }

    /// <summary>The health of its scrape of the test server ("up", "down", "unknown") and the last error.</summary>
    public async Task<(string Health, string Error)> TargetAsync()
    {
        var body = JsonNode.Parse(await _http.GetStringAsync("/api/v1/targets", TestContext.Current.CancellationToken))!;
        var target = body["data"]!["activeTargets"]!.AsArray().FirstOrDefault();
        return (target?["health"]?.GetValue<string>() ?? "none", target?["lastError"]?.GetValue<string>() ?? "");
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
