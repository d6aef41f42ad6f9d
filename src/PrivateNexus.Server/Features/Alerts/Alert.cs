namespace PrivateNexus.Server.Features.Alerts;

public enum AlertState
{
    /// <summary>The condition holds, but not yet for the rule's <c>for</c> duration: nobody is notified.</summary>
    Pending,
    Firing,
    Resolved,
}

/// <summary>What an alert is about.</summary>
public enum AlertTargetType
{
    Service,
    Node,
    Client,
}

/// <summary>
/// One rule's alert about one target. The row is kept across firing/resolved cycles (one per
/// <see cref="Fingerprint"/>); the history of its transitions is in <see cref="AlertTransition"/>.
/// </summary>
public sealed class Alert
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    public Guid RuleId { get; set; }

    /// <summary>The rule's client (null: a platform rule), so readers are filtered without a join.</summary>
    public Guid? ClientId { get; set; }

    /// <summary><c>{rule}:{targetType}:{target}</c>, unique: the evaluator never makes two alerts of one condition.</summary>
    public required string Fingerprint { get; set; }

    public AlertTargetType TargetType { get; set; }

    public Guid TargetId { get; set; }

    /// <summary>The target's name when last evaluated (service, node or client), for messages.</summary>
    public string TargetName { get; set; } = "";

    public AlertKind Kind { get; set; }

    public AlertSeverity Severity { get; set; }

    public AlertState State { get; set; }

    /// <summary>Since when the condition holds (pending since).</summary>
    public DateTimeOffset ActiveAt { get; set; }

    /// <summary>When it last started firing.</summary>
    public DateTimeOffset? StartsAt { get; set; }

    /// <summary>When it last resolved.</summary>
    public DateTimeOffset? EndsAt { get; set; }

    /// <summary>Since when a firing alert's condition is false (resolves after keep-firing-for).</summary>
    public DateTimeOffset? ClearingSince { get; set; }

    public double? LastValue { get; set; }

    public string Summary { get; set; } = "";

    /// <summary>When last evaluated as pending, firing or just resolved; a quiet resolved alert is not rewritten every round.</summary>
    public DateTimeOffset LastEvaluatedAt { get; set; }

    /// <summary>When its channels were last told (firing or a repeat); repeats wait the rule's repeat interval from here.</summary>
    public DateTimeOffset? LastNotifiedAt { get; set; }

    /// <summary>Repeat notifications sent in the current firing period.</summary>
    public int Repeats { get; set; }

    /// <summary>The transition of the current firing period (repeats are deliveries of it).</summary>
    public Guid? FiringTransitionId { get; set; }

    /// <summary>
    /// Bumped by every evaluation that changes the alert (optimistic concurrency): should two replicas
    /// ever evaluate the same round (a lease handover, a leader cut off from Redis), only the first
    /// to save steps the alert — the other's transitions and deliveries are never written.
    /// </summary>
    public long Version { get; set; }
}

/// <summary>A firing or resolved transition of an alert: stored history, published, and sent to the channels.</summary>
public sealed class AlertTransition
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    public Guid AlertId { get; set; }

    public Guid? ClientId { get; set; }

    public AlertState State { get; set; }

    public DateTimeOffset At { get; set; }

    public double? Value { get; set; }

    public string Summary { get; set; } = "";
}

public enum DeliveryStatus
{
    Pending,

    /// <summary>Claimed by a replica until <see cref="NotificationDelivery.ClaimedUntil"/>; back to pending after that if it died.</summary>
    Sending,
    Sent,

    /// <summary>Gave up after the last attempt.</summary>
    Failed,
}

/// <summary>
/// One notification to send: a transition (or a repeat of a firing one) × a channel. Written in the
/// same transaction as the transition, unique per (transition, channel, repeat): an evaluation that
/// is retried, or run by two replicas, cannot make a second one, and the id travels with the message
/// (<c>X-PrivateNexus-Delivery</c>) so a receiver can drop the rare resend after a crash mid-send.
/// </summary>
public sealed class NotificationDelivery
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    public Guid TransitionId { get; set; }

    public Guid ChannelId { get; set; }

    /// <summary>0 for the transition itself, 1… for repeats of a firing one.</summary>
    public int Repeat { get; set; }

    public DeliveryStatus Status { get; set; }

    public int Attempts { get; set; }

    public DateTimeOffset NextAttemptAt { get; set; }

    public DateTimeOffset? ClaimedUntil { get; set; }

    public DateTimeOffset? SentAt { get; set; }

    public string? LastError { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public long Version { get; set; }
}
