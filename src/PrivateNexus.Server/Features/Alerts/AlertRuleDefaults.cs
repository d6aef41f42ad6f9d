namespace PrivateNexus.Server.Features.Alerts;

/// <summary>What each kind of rule measures and what it starts with when the caller leaves a setting out.</summary>
public static class AlertRuleDefaults
{
    public static readonly TimeSpan RepeatInterval = TimeSpan.FromHours(4);

    public static bool IsServiceKind(AlertKind kind) => kind is AlertKind.ServiceDown or AlertKind.RestartLoop or AlertKind.Unhealthy
        or AlertKind.CpuHigh or AlertKind.MemoryHigh;

    /// <summary>Kinds read from Prometheus: skipped (not resolved) while it is unavailable.</summary>
    public static bool NeedsPrometheus(AlertKind kind) => kind is AlertKind.CpuHigh or AlertKind.MemoryHigh;

    /// <summary>Restarts for a restart loop, percent for the rest; null for kinds without a threshold.</summary>
    public static double? Threshold(AlertKind kind) => kind switch
    {
        AlertKind.RestartLoop => 3,
        AlertKind.CpuHigh or AlertKind.MemoryHigh or AlertKind.QuotaNearlyUsed => 90,
        _ => null,
    };

    /// <summary>The largest threshold that makes sense: a count for restarts, 100 % for the shares.</summary>
    public static double MaxThreshold(AlertKind kind) => kind == AlertKind.RestartLoop ? 10_000 : 100;

    /// <summary>Kinds that use a window, with its default and bounds.</summary>
    public static (TimeSpan Default, TimeSpan Min, TimeSpan Max)? Window(AlertKind kind) => kind switch
    {
        AlertKind.RestartLoop => (TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(10), TimeSpan.FromDays(1)),

        // A rate needs a few scrapes in its window (every 15 s is common).
        AlertKind.CpuHigh => (TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(30), TimeSpan.FromHours(1)),
        _ => null,
    };

    public static TimeSpan For(AlertKind kind) => kind switch
    {
        AlertKind.RestartLoop or AlertKind.QuotaNearlyUsed => TimeSpan.Zero,
        AlertKind.CpuHigh or AlertKind.MemoryHigh => TimeSpan.FromMinutes(5),
        _ => TimeSpan.FromMinutes(1),
    };

    /// <summary>States read from a live system flap: by default they must stay clear a minute before resolving.</summary>
    public static TimeSpan KeepFiringFor(AlertKind kind) => kind switch
    {
        AlertKind.RestartLoop or AlertKind.QuotaNearlyUsed => TimeSpan.Zero,
        _ => TimeSpan.FromMinutes(1),
    };
}
