namespace PrivateNexus.Server.Features.Alerts;

/// <summary>
/// A new rule; leave <see cref="ClientId"/> out for a platform-wide one (staff). Durations are
/// Prometheus-style (<c>30s</c>, <c>5m</c>, <c>1h</c>, <c>1d</c>); left out, each kind's default.
/// </summary>
public sealed record CreateAlertRuleInput(
    Guid? ClientId,
    string Name,
    AlertKind Kind,
    Guid? ServiceId,
    double? Threshold,
    string? Window,
    string? For,
    string? KeepFiringFor,
    string? RepeatInterval,
    AlertSeverity? Severity,
    bool? Enabled,
    IReadOnlyList<Guid>? ChannelIds);

/// <summary>Fields left out stay as they are; <see cref="ExpectedVersion"/> refuses a lost update.</summary>
public sealed record UpdateAlertRuleInput(
    Guid Id,
    string? Name,
    Guid? ServiceId,
    double? Threshold,
    string? Window,
    string? For,
    string? KeepFiringFor,
    string? RepeatInterval,
    AlertSeverity? Severity,
    bool? Enabled,
    IReadOnlyList<Guid>? ChannelIds,
    long? ExpectedVersion);

/// <summary>A webhook needs <see cref="Url"/> and <see cref="Secret"/>; an e-mail channel <see cref="Recipients"/>.</summary>
public sealed record CreateNotificationChannelInput(
    Guid? ClientId,
    string Name,
    ChannelType Type,
    string? Url,
    string? Secret,
    IReadOnlyList<string>? Recipients,
    bool? Enabled);

/// <summary>Leave <see cref="Secret"/> out to keep the stored one (it is write-only).</summary>
public sealed record UpdateNotificationChannelInput(
    Guid Id,
    string? Name,
    string? Url,
    string? Secret,
    IReadOnlyList<string>? Recipients,
    bool? Enabled,
    long? ExpectedVersion);

public sealed record AlertFilter(Guid? ClientId = null, AlertState? State = null);

/// <summary>What <c>testNotificationChannel</c> reports: whether the channel took the test message.</summary>
public sealed record ChannelTestResult(bool Ok, string? Error);
