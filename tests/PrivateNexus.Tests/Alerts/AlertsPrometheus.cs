using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace PrivateNexus.Tests.Alerts;

/// <summary>
/// A stand-in for Prometheus' query API answering the evaluator's grouped queries: one series per
/// service (label <c>service</c>) with the value the test set, or an error while <see cref="Down"/>.
/// </summary>
public sealed class AlertsPrometheus : IAsyncDisposable
{
    private readonly WebApplication _app;

    private AlertsPrometheus(WebApplication app) => _app = app;

    /// <summary>The value of each service's series, by service id.</summary>
    public ConcurrentDictionary<string, double> Values { get; } = new();

    public ConcurrentQueue<string> Queries { get; } = new();

    public bool Down { get; set; }

    public Uri Address => new(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    public static async Task<AlertsPrometheus> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var fake = new AlertsPrometheus(app);
        app.MapGet("/api/v1/query", (HttpContext context) => fake.Answer(context));
        await app.StartAsync();
        return fake;
    }

    private IResult Answer(HttpContext context)
    {
        Queries.Enqueue(context.Request.Query["query"].ToString());
        if (Down)
        {
            return Results.Text("""{"status":"error","errorType":"unavailable","error":"down for the test"}""", "application/json", statusCode: 503);
        }

        var series = string.Join(',', Values.Select(kv =>
            $$"""{"metric":{"service":"{{kv.Key}}"},"value":[1700000000,"{{kv.Value.ToString(CultureInfo.InvariantCulture)}}"]}"""));
        return Results.Text($$$"""{"status":"success","data":{"resultType":"vector","result":[{{{series}}}]}}""", "application/json");
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
