using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using PrivateNexus.Server.Hosting;

namespace PrivateNexus.Server.Features.Metrics;

public sealed record MetricPoint(DateTimeOffset Time, double Value);

/// <summary>Prometheus is not configured, unreachable, too slow, or answered with an error.</summary>
public sealed class PrometheusUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The Prometheus HTTP API (<c>/api/v1/query</c>, <c>/api/v1/query_range</c>), reading one number
/// (instant, summed) or one series (range). Answers are cached for a few seconds by their PromQL
/// and window: a dashboard refreshing several panels, or several viewers, cost Prometheus one query.
/// </summary>
public sealed class PrometheusClient(HttpClient http, IOptions<PnxOptions> options, IMemoryCache cache)
{
    public const string HttpClientName = "prometheus";
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(5);

    public bool Configured => options.Value.PrometheusUrl is not null;

    /// <summary>The value of an instant query summed to one number; 0 when no series matched (nothing running).</summary>
    public Task<double> InstantAsync(string promql, CancellationToken cancellationToken) =>
        CachedAsync($"i|{promql}", async () =>
        {
            var result = await GetAsync($"api/v1/query?query={Uri.EscapeDataString(promql)}", cancellationToken);
            return result.EnumerateArray().Select(r => Number(r.GetProperty("value"))).Sum();
        });

    /// <summary>An instant query's series keyed by one label's value (an aggregate <c>by (label)</c>); NaN and ±Inf count as 0.</summary>
    public Task<IReadOnlyDictionary<string, double>> VectorAsync(string promql, string label, CancellationToken cancellationToken) =>
        CachedAsync<IReadOnlyDictionary<string, double>>($"v|{label}|{promql}", async () =>
        {
            var result = await GetAsync($"api/v1/query?query={Uri.EscapeDataString(promql)}", cancellationToken);
            var values = new Dictionary<string, double>(StringComparer.Ordinal);
            foreach (var series in result.EnumerateArray())
            {
                if (series.GetProperty("metric").TryGetProperty(label, out var key) && key.GetString() is { } name)
                {
                    values[name] = Number(series.GetProperty("value"));
                }
            }

            return values;
        });

    /// <summary>The points of a range query whose PromQL yields at most one series (an aggregate); empty when nothing matched.</summary>
    public Task<IReadOnlyList<MetricPoint>> RangeAsync(string promql, DateTimeOffset start, DateTimeOffset end, TimeSpan step, CancellationToken cancellationToken)
    {
        var s = start.ToUnixTimeSeconds();
        var e = end.ToUnixTimeSeconds();
        var st = (long)step.TotalSeconds;
        return CachedAsync<IReadOnlyList<MetricPoint>>($"r|{promql}|{s}|{e}|{st}", async () =>
        {
            var result = await GetAsync(
                FormattableString.Invariant($"api/v1/query_range?query={Uri.EscapeDataString(promql)}&start={s}&end={e}&step={st}"), cancellationToken);
            return [.. result.EnumerateArray().Take(1).SelectMany(r => r.GetProperty("values").EnumerateArray())
                .Select(v => new MetricPoint(DateTimeOffset.FromUnixTimeMilliseconds((long)(v[0].GetDouble() * 1000)), Number(v)))];
        });
    }

    private async Task<T> CachedAsync<T>(string key, Func<Task<T>> read)
    {
        if (cache.TryGetValue(key, out T? hit) && hit is not null)
        {
            return hit;
        }

        // Failures are not cached: the next request tries again.
        var value = await read();
        cache.Set(key, value, CacheFor);
        return value;
    }

    private async Task<JsonElement> GetAsync(string pathAndQuery, CancellationToken cancellationToken)
    {
        if (options.Value.PrometheusUrl is not { } baseUrl)
        {
            throw new PrometheusUnavailableException("Metrics are not configured on this server (PNX_PROMETHEUS_URL).");
        }

        var url = new Uri(new Uri(baseUrl.ToString().TrimEnd('/') + "/"), pathAndQuery);
        JsonDocument body;
        try
        {
            using var response = await http.GetAsync(url, cancellationToken);
            var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            body = await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken);
        }
        // Whatever failed on the way (refused, timed out, circuit open, not JSON) means the same to the
        // caller; only the caller's own cancellation is not Prometheus' fault.
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new PrometheusUnavailableException($"Prometheus did not answer: {ex.Message}", ex);
        }

        using (body)
        {
            var root = body.RootElement;
            if (!root.TryGetProperty("status", out var status) || status.GetString() != "success")
            {
                var error = root.TryGetProperty("error", out var e) ? e.GetString() : "no status";
                throw new PrometheusUnavailableException($"Prometheus answered with an error: {error}");
            }

            return root.GetProperty("data").GetProperty("result").Clone();
        }
    }

    /// <summary>A sample is <c>[unixSeconds, "value"]</c>; NaN and ±Inf (a rate over no data) count as 0.</summary>
    private static double Number(JsonElement sample)
    {
        var value = double.Parse(sample[1].GetString()!, NumberStyles.Float, CultureInfo.InvariantCulture);
        return double.IsFinite(value) ? value : 0;
    }
}
