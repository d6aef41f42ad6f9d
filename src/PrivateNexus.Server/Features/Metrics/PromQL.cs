using System.Globalization;
using System.Text;

namespace PrivateNexus.Server.Features.Metrics;

/// <summary>
/// The only PromQL the server sends: built from typed values (ids, durations), never from caller
/// text, and every selector carries the client (and service) matcher the server chose, so a
/// query can only ever see the series of what the caller was allowed to read.
/// </summary>
public static class PromQL
{
    public const string Cpu = "pnx_container_cpu_seconds_total";
    public const string Memory = "pnx_container_memory_working_set_bytes";
    public const string NetworkRx = "pnx_container_network_receive_bytes_total";
    public const string NetworkTx = "pnx_container_network_transmit_bytes_total";

    /// <summary>A label value as a PromQL double-quoted string: backslash, quote and newline escaped.</summary>
    public static string Quote(string value)
    {
        var quoted = new StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            quoted.Append(c switch
            {
                '\\' => "\\\\",
                '"' => "\\\"",
                '\n' => "\\n",
                '\r' => "\\r",
                _ => c.ToString(),
            });
        }

        return quoted.Append('"').ToString();
    }

    /// <summary><c>metric{client="…",service="…"}</c>; the service matcher is left out for client totals.</summary>
    public static string Selector(string metric, Guid clientId, Guid? serviceId = null) => Selector(metric, ClientMatchers(clientId, serviceId));

    /// <summary>
    /// <c>metric{client=~"id1|id2"}</c>: the series of several clients at once, for one query per page
    /// of clients. Ids are GUIDs (hex digits and dashes), so the alternation needs no escaping.
    /// </summary>
    public static string Selector(string metric, IReadOnlyCollection<Guid> clientIds) => clientIds.Count switch
    {
        // client=~"" would match the series without a client label: never a selector without clients.
        0 => throw new ArgumentException("A selector names at least one client.", nameof(clientIds)),
        1 => Selector(metric, clientIds.First()),
        _ => $"{metric}{{client=~{Quote(string.Join('|', clientIds.Order()))}}}",
    };

    public static string Selector(string metric, IEnumerable<(string Label, string Value)> matchers) =>
        $"{metric}{{{string.Join(',', matchers.Select(m => $"{m.Label}={Quote(m.Value)}"))}}}";

    /// <summary>
    /// Every server replica exports the same container series (differing only in <c>instance</c>),
    /// so replicas are collapsed per container first (max), then containers added up. (Container
    /// names are not promised unique across services: the max keeps client and service apart.)
    /// </summary>
    public static string Gauge(string selector) => $"sum(max by (client, service, container) ({selector}))";

    /// <summary>Per second over <paramref name="window"/>, collapsed like <see cref="Gauge"/>.</summary>
    public static string Rate(string selector, TimeSpan window) =>
        $"sum(max by (client, service, container) (rate({selector}[{Seconds(window)}])))";

    /// <summary>Like <see cref="Gauge"/>, one number per value of <paramref name="label"/> (e.g. per service of a client).</summary>
    public static string GaugeBy(string selector, string label) => $"sum by ({label}) (max by (client, service, container) ({selector}))";

    /// <summary>Like <see cref="Rate"/>, one number per value of <paramref name="label"/>.</summary>
    public static string RateBy(string selector, TimeSpan window, string label) =>
        $"sum by ({label}) (max by (client, service, container) (rate({selector}[{Seconds(window)}])))";

    public static string Seconds(TimeSpan span) => ((long)Math.Ceiling(span.TotalSeconds)).ToString(CultureInfo.InvariantCulture) + "s";

    private static IEnumerable<(string, string)> ClientMatchers(Guid clientId, Guid? serviceId)
    {
        yield return ("client", clientId.ToString());
        if (serviceId is { } id)
        {
            yield return ("service", id.ToString());
        }
    }
}
