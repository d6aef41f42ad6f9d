using System.Globalization;
using PrivateNexus.Server.Common;
using PrivateNexus.Server.Features.Metrics;

namespace PrivateNexus.Server.Features.Alerts;

/// <summary>Durations as the API writes them: Prometheus-style, one unit (<c>90s</c>, <c>5m</c>, <c>4h</c>, <c>1d</c>).</summary>
public static class AlertDurations
{
    public static TimeSpan Parse(string text, string field, TimeSpan min, TimeSpan max, bool zeroAllowed = false)
    {
        var value = ServiceMetricsService.Duration(text.Trim(), field);
        if ((value == TimeSpan.Zero && zeroAllowed) || (value >= min && value <= max))
        {
            return value;
        }

        var range = $"between {Format(min)} and {Format(max)}";
        throw DomainException.BadInput(field, zeroAllowed ? $"'{field}' must be 0s or {range}." : $"'{field}' must be {range}.");
    }

    /// <summary>The largest whole unit: 300 s is <c>5m</c>, 90 s stays <c>90s</c>.</summary>
    public static string Format(TimeSpan span)
    {
        var seconds = (long)span.TotalSeconds;
        return seconds switch
        {
            0 => "0s",
            _ when seconds % 86_400 == 0 => (seconds / 86_400).ToString(CultureInfo.InvariantCulture) + "d",
            _ when seconds % 3_600 == 0 => (seconds / 3_600).ToString(CultureInfo.InvariantCulture) + "h",
            _ when seconds % 60 == 0 => (seconds / 60).ToString(CultureInfo.InvariantCulture) + "m",
            _ => seconds.ToString(CultureInfo.InvariantCulture) + "s",
        };
    }
}
