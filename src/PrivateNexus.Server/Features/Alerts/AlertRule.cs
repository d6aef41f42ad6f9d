namespace PrivateNexus.Server.Features.Alerts;

/// <summary>What a rule watches. Service kinds look at each service in the rule's scope (or the one it names).</summary>
public enum AlertKind
{
    /// <summary>A service desired running has no running container (from the state mirror).</summary>
    ServiceDown,

    /// <summary>A service's containers (re)started at least <c>threshold</c> times within <c>window</c>.</summary>
    RestartLoop,

    /// <summary>A container of the service reports its health check as unhealthy.</summary>
    Unhealthy,

    /// <summary>CPU use of the service (from Prometheus) at or over <c>threshold</c> percent of its limit.</summary>
    CpuHigh,

    /// <summary>Memory use of the service (from Prometheus) at or over <c>threshold</c> percent of its limit.</summary>
    MemoryHigh,

    /// <summary>A node's engine cannot be reached. Platform rules only: clients do not see nodes.</summary>
    NodeOffline,

    /// <summary>A client's allocated CPU, memory or number of services at or over <c>threshold</c> percent of its quota.</summary>
    QuotaNearlyUsed,
}

public enum AlertSeverity
{
    Info,
    Warning,
    Critical,
}

/// <summary>
/// A condition to watch, for one client (<see cref="ClientId"/>) or platform-wide (null, staff only).
/// Damping: a condition must hold for <see cref="For"/> before the alert fires, and must stay false
/// for <see cref="KeepFiringFor"/> before it resolves; a still-firing alert is sent again at most
/// every <see cref="RepeatInterval"/> (zero: never).
/// </summary>
public sealed class AlertRule
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    public Guid? ClientId { get; set; }

    /// <summary>Unique within its scope (the client, or the platform).</summary>
    public required string Name { get; set; }

    public AlertKind Kind { get; set; }

    /// <summary>Only this service (service kinds); null: every service in scope.</summary>
    public Guid? ServiceId { get; set; }

    /// <summary>Restarts (restart loop) or percent (CPU, memory, quota); null for the kinds that have none.</summary>
    public double? Threshold { get; set; }

    /// <summary>Restarts are counted, and CPU averaged, over this much time.</summary>
    public TimeSpan Window { get; set; }

    public TimeSpan For { get; set; }

    public TimeSpan KeepFiringFor { get; set; }

    public TimeSpan RepeatInterval { get; set; }

    public AlertSeverity Severity { get; set; } = AlertSeverity.Warning;

    public bool Enabled { get; set; } = true;

    /// <summary>Channels notified of firing and resolved transitions; of the rule's own scope.</summary>
    public List<Guid> ChannelIds { get; set; } = [];

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public long Version { get; set; }
}
