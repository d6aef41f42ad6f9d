namespace PrivateNexus.Server.Features.Alerts;

/// <summary>What one evaluation did to an alert; only <see cref="Fired"/>, <see cref="Resolved"/> and <see cref="Repeated"/> notify.</summary>
public enum AlertStep
{
    /// <summary>Nothing worth telling (still inactive, still pending, still firing within the repeat interval, clearing).</summary>
    None,

    /// <summary>The condition started to hold; the alert waits out the rule's <c>for</c>.</summary>
    Pending,

    /// <summary>A pending alert whose condition went away before <c>for</c>: dropped without a word (damped).</summary>
    Dropped,
    Fired,

    /// <summary>Still firing after the repeat interval: sent again.</summary>
    Repeated,
    Resolved,
}

/// <summary>
/// The life of an alert, as a pure function of its stored state, whether the condition holds now,
/// the rule's damping and the time — so it is tested with a fake clock, and a replica taking over
/// the evaluation carries on from the stored state.
/// <code>
///   inactive ──holds──► PENDING ──holds for `for`──► FIRING ──clear for `keepFiringFor`──► RESOLVED
///                          └──clear──► (dropped)        └──holds again──► (clearing forgotten)
/// </code>
/// </summary>
public static class AlertStateMachine
{
    /// <param name="alert">The stored alert; a new one (never evaluated) is <see cref="AlertState.Resolved"/> with no start.</param>
    public static AlertStep Advance(Alert alert, bool holds, AlertRule rule, DateTimeOffset now)
    {
        alert.LastEvaluatedAt = now;
        switch (alert.State)
        {
            case AlertState.Resolved when !holds:
                return AlertStep.None;

            case AlertState.Resolved:
                alert.State = AlertState.Pending;
                alert.ActiveAt = now;
                return now - alert.ActiveAt >= rule.For ? Fire(alert, now) : AlertStep.Pending;

            case AlertState.Pending when !holds:
                alert.State = AlertState.Resolved;
                return AlertStep.Dropped;

            case AlertState.Pending:
                return now - alert.ActiveAt >= rule.For ? Fire(alert, now) : AlertStep.None;

            case AlertState.Firing when holds:
                alert.ClearingSince = null;
                if (rule.RepeatInterval > TimeSpan.Zero && alert.LastNotifiedAt is { } last && now - last >= rule.RepeatInterval)
                {
                    alert.Repeats++;
                    alert.LastNotifiedAt = now;
                    return AlertStep.Repeated;
                }

                return AlertStep.None;

            default:
                alert.ClearingSince ??= now;
                if (now - alert.ClearingSince.Value < rule.KeepFiringFor)
                {
                    return AlertStep.None;
                }

                alert.State = AlertState.Resolved;
                alert.EndsAt = now;
                alert.ClearingSince = null;
                return AlertStep.Resolved;
        }
    }

    private static AlertStep Fire(Alert alert, DateTimeOffset now)
    {
        alert.State = AlertState.Firing;
        alert.StartsAt = now;
        alert.EndsAt = null;
        alert.ClearingSince = null;
        alert.LastNotifiedAt = now;
        alert.Repeats = 0;
        return AlertStep.Fired;
    }
}
