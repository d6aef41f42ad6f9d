using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using PrivateNexus.Tests.Engine;
using PrivateNexus.Tests.Infrastructure;
using PrivateNexus.Tests.Transport;

namespace PrivateNexus.Tests.Operations;

/// <summary>
/// The server as a real process with <c>PNX_LOG_FORMAT=json</c> and an OTLP endpoint (a small
/// receiver here): its log lines are JSON carrying the request's correlation id, which the response
/// returns in X-Correlation-Id; its traces reach the endpoint with spans for HTTP, the GraphQL
/// operation, database commands and Docker engine calls.
/// </summary>
public sealed class ObservabilityTests
{
    [Fact]
    public async Task Json_logs_carry_the_correlation_id_and_traces_reach_the_otlp_endpoint()
    {
        EngineApp.RequireDocker();
        var ct = TestContext.Current.CancellationToken;
        var payloads = new ConcurrentQueue<byte[]>();
        var otlpPort = FreePort();
        using var receiver = new HttpListener();
        receiver.Prefixes.Add($"http://127.0.0.1:{otlpPort}/");
        receiver.Start();
        _ = Task.Run(async () =>
        {
            while (receiver.IsListening)
            {
                var context = await receiver.GetContextAsync();
                using var body = new MemoryStream();
                await context.Request.InputStream.CopyToAsync(body, ct);
                payloads.Enqueue(body.ToArray());
                context.Response.StatusCode = 200;
                context.Response.Close();
            }
        }, ct);

        var port = FreePort();
        var dataDir = Path.Combine(Path.GetTempPath(), "pnx-tests", "otel-" + Guid.NewGuid().ToString("N")[..10]);
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepositoryRoot.Combine("src", "PrivateNexus.Server"),
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "PrivateNexus.Server.dll"));
        start.Environment["PNX_DATA_DIR"] = dataDir;
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        start.Environment["PNX_LOG_FORMAT"] = "json";
        start.Environment["DOCKER_HOST"] = EngineApp.DockerHost!;
        start.Environment["PNX_ENGINE__STATS_INTERVAL"] = "00:00:00";
        start.Environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = $"http://127.0.0.1:{otlpPort}";
        start.Environment["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf";
        start.Environment["OTEL_BSP_SCHEDULE_DELAY"] = "200";
        var output = new ConcurrentQueue<string>();
        using var server = Process.Start(start)!;
        server.OutputDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
        server.ErrorDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
        server.BeginOutputReadLine();
        server.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
            Assert.True(
                await Eventually.TrueAsync(async () => (await TryGetAsync(http, "/readyz")) == HttpStatusCode.OK, TimeSpan.FromSeconds(60)),
                $"The server did not become ready:\n{string.Join('\n', output)}");

            using var query = await http.PostAsync("/graphql", new StringContent("{\"query\":\"query Probe { __typename }\"}", Encoding.UTF8, "application/json"), ct);
            var correlation = Assert.Single(query.Headers.GetValues("X-Correlation-Id"));
            Assert.Matches("^[0-9a-f]{32}$", correlation);

            // A client error is logged (at Information) with the request's correlation id.
            using var missing = await http.GetAsync("/no-such-page", ct);
            var notFoundId = Assert.Single(missing.Headers.GetValues("X-Correlation-Id"));
            Assert.True(
                await Eventually.TrueAsync(() => Task.FromResult(output.Any(l => l.Contains(notFoundId, StringComparison.Ordinal))), TimeSpan.FromSeconds(10)),
                $"No log line with correlation id {notFoundId}:\n{string.Join('\n', output)}");
            var line = JsonNode.Parse(output.First(l => l.Contains(notFoundId, StringComparison.Ordinal)))!;
            Assert.Equal(notFoundId, line["CorrelationId"]!.GetValue<string>());
            Assert.NotNull(line["@t"]);
            Assert.All(output.Where(l => l.StartsWith('{')), l => JsonNode.Parse(l));

            string[] expected = ["POST /graphql", "graphql query Probe", "SELECT sqlite", "docker InfoAsync", correlation];
            bool AllSeen() => expected.All(e => payloads.Any(p => Contains(p, e)));
            Assert.True(
                await Eventually.TrueAsync(() => Task.FromResult(AllSeen()), TimeSpan.FromSeconds(30)),
                $"Spans missing from the OTLP export: {string.Join(", ", expected.Where(e => !payloads.Any(p => Contains(p, e))))}");
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync(CancellationToken.None);
            receiver.Stop();
            if (Directory.Exists(dataDir))
            {
                Directory.Delete(dataDir, recursive: true);
            }
        }
    }

    private static async Task<HttpStatusCode?> TryGetAsync(HttpClient http, string path)
    {
        try
        {
            using var response = await http.GetAsync(path, TestContext.Current.CancellationToken);
            return response.StatusCode;
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    /// <summary>Span names and ids travel as plain bytes in OTLP's protobuf (ids as raw bytes).</summary>
    private static bool Contains(byte[] payload, string text) =>
        payload.AsSpan().IndexOf(Encoding.UTF8.GetBytes(text)) >= 0
        || (text.Length == 32 && text.All(Uri.IsHexDigit) && payload.AsSpan().IndexOf(Convert.FromHexString(text)) >= 0);

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
