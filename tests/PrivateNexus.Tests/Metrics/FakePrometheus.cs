using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using PrivateNexus.Tests.Infrastructure;

namespace PrivateNexus.Tests.Metrics;

/// <summary>
/// A stand-in for Prometheus' HTTP API that records every query the server sends and answers as
/// told: a fixed value (or one per client or service for grouped queries), an error, or a dropped
/// connection. For what the server asks and how it copes; the real thing is in
/// <see cref="ServiceMetricsPrometheusTests"/> and the alert engine tests.
/// </summary>
public sealed partial class FakePrometheus : IAsyncDisposable
{
    public enum Mode
    {
        Answer,
        Error,
        Drop,
    }

    private readonly WebApplication _app;

    private FakePrometheus(WebApplication app) => _app = app;

    public ConcurrentQueue<string> Queries { get; } = new();

    public Mode Behaviour { get; set; } = Mode.Answer;

    public double Value { get; set; } = 0.25;

    /// <summary>Per-client answers to queries grouped <c>by (client)</c>; clients not listed get <see cref="Value"/>.</summary>
    public ConcurrentDictionary<string, double> ClientValues { get; } = new();

    /// <summary>The answer to a query grouped <c>by (service)</c> (the alert evaluator's): one series per entry.</summary>
    public ConcurrentDictionary<string, double> ServiceValues { get; } = new();

    public Uri Address => new(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    public static async Task<FakePrometheus> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var fake = new FakePrometheus(app);
        app.MapGet("/api/v1/{kind}", (string kind, HttpContext context) => fake.Answer(kind, context));
        await app.StartAsync();
        return fake;
    }

    private IResult Answer(string kind, HttpContext context)
    {
        Queries.Enqueue(context.Request.Query["query"].ToString());
        var value = Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
        switch (Behaviour)
        {
            case Mode.Drop:
                context.Abort();
                return Results.Empty;
            case Mode.Error:
                return Results.Text("""{"status":"error","errorType":"bad_data","error":"boom"}""", "application/json", statusCode: 400);
        }

        var query = context.Request.Query["query"].ToString();
        if (kind == "query" && query.Contains("by (client)", StringComparison.Ordinal))
        {
            // One series per client the selector names (client="a" or client=~"a|b"), as Prometheus would group them.
            var clients = ClientMatcher().Match(query).Groups[1].Value.Split('|');
            var series = clients.Select(c =>
                $$$"""{"metric":{"client":"{{{c}}}"},"value":[1700000000,"{{{ClientValues.GetValueOrDefault(c, Value).ToString(System.Globalization.CultureInfo.InvariantCulture)}}}"]}""");
            return Results.Text($$$"""{"status":"success","data":{"resultType":"vector","result":[{{{string.Join(',', series)}}}]}}""", "application/json");
        }

        if (kind == "query" && query.Contains("by (service)", StringComparison.Ordinal))
        {
            var series = ServiceValues.Select(kv =>
                $$$"""{"metric":{"service":"{{{kv.Key}}}"},"value":[1700000000,"{{{kv.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)}}}"]}""");
            return Results.Text($$$"""{"status":"success","data":{"resultType":"vector","result":[{{{string.Join(',', series)}}}]}}""", "application/json");
        }

        return kind == "query"
            ? Results.Text($$$"""{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1700000000,"{{{value}}}"]}]}}""", "application/json")
            : Results.Text($$$"""{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1700000000,"{{{value}}}"],[1700000060,"NaN"]]}]}}""", "application/json");
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    [System.Text.RegularExpressions.GeneratedRegex("client=~?\"([^\"]*)\"")]
    private static partial System.Text.RegularExpressions.Regex ClientMatcher();
}

/// <summary>A server whose <c>PNX_PROMETHEUS_URL</c> is a <see cref="FakePrometheus"/>.</summary>
public sealed class FakePrometheusApp : PnxApp
{
    public FakePrometheus Prometheus { get; private set; } = null!;

    public override string Provider => "sqlite";

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Pnx:PrometheusUrl"] = Prometheus.Address.ToString(),
    };

    public override async ValueTask InitializeAsync()
    {
        Prometheus = await FakePrometheus.StartAsync();
        await base.InitializeAsync();
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await Prometheus.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    public override Task<string?> ReadStoredAsync(string table, string column, string id) => throw new NotSupportedException();
}
