using PrivateNexus.Server.Features.Alerts;

namespace PrivateNexus.Tests.Alerts;

/// <summary>
/// The life of an alert with a clock the test moves: damping by <c>for</c> and <c>keepFiringFor</c>,
/// and the repeat interval as a rate limit, evaluated every 10 seconds as a server would.
/// </summary>
public sealed class AlertStateMachineTests
{
    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(10);
    private DateTimeOffset _now = new(2026, 11, 29, 8, 0, 0, TimeSpan.Zero);

    private static AlertRule Rule(string @for = "0s", string keep = "0s", string repeat = "0s") => new()
    {
        Name = "r",
        Kind = AlertKind.ServiceDown,
        For = AlertDurations.Parse(@for, "for", TimeSpan.Zero, TimeSpan.FromDays(1)),
        KeepFiringFor = AlertDurations.Parse(keep, "keepFiringFor", TimeSpan.Zero, TimeSpan.FromDays(1)),
        RepeatInterval = AlertDurations.Parse(repeat, "repeatInterval", TimeSpan.Zero, TimeSpan.FromDays(30), zeroAllowed: true),
    };

    private static Alert NewAlert() => new() { Fingerprint = "f", State = AlertState.Resolved };

    /// <summary>Evaluates once per tick for <paramref name="span"/>, the condition given by the time since start.</summary>
    private List<AlertStep> Run(Alert alert, AlertRule rule, TimeSpan span, Func<TimeSpan, bool> holds)
    {
        var start = _now;
        var steps = new List<AlertStep>();
        for (var at = TimeSpan.Zero; at < span; at += Tick)
        {
            _now = start + at;
            steps.Add(AlertStateMachine.Advance(alert, holds(at), rule, _now));
        }

        _now = start + span;
        return steps;
    }

    [Fact]
    public void Fires_only_once_the_condition_held_for_the_whole_for_duration()
    {
        var alert = NewAlert();
        var steps = Run(alert, Rule(@for: "1m"), TimeSpan.FromMinutes(2), _ => true);

        Assert.Equal(AlertStep.Pending, steps[0]);
        Assert.Equal(6, steps.IndexOf(AlertStep.Fired));
        Assert.Single(steps, AlertStep.Fired);
        Assert.Equal(AlertState.Firing, alert.State);
        Assert.Equal(alert.ActiveAt + TimeSpan.FromMinutes(1), alert.StartsAt);
    }

    [Fact]
    public void A_flapping_condition_shorter_than_for_never_fires_and_leaves_no_trace()
    {
        var alert = NewAlert();

        // 20 s bad, 20 s good, for ten minutes, against for = 30 s.
        var steps = Run(alert, Rule(@for: "30s"), TimeSpan.FromMinutes(10), at => at.TotalSeconds % 40 < 20);

        Assert.DoesNotContain(AlertStep.Fired, steps);
        Assert.Contains(AlertStep.Dropped, steps);
        Assert.Null(alert.StartsAt);
    }

    [Fact]
    public void A_firing_alert_resolves_only_after_staying_clear_for_keep_firing_for()
    {
        var alert = NewAlert();
        var rule = Rule(keep: "1m");
        Assert.Equal(AlertStep.Fired, Run(alert, rule, Tick, _ => true).Single());

        // Clear for 50 s, bad again (the clearing is forgotten), then clear for good.
        var steps = Run(alert, rule, TimeSpan.FromMinutes(3), at => at == TimeSpan.FromSeconds(50));
        Assert.Single(steps, AlertStep.Resolved);
        Assert.Equal(12, steps.IndexOf(AlertStep.Resolved));
        Assert.Equal(AlertState.Resolved, alert.State);
        Assert.NotNull(alert.EndsAt);
    }

    [Fact]
    public void Without_keep_firing_for_one_clear_evaluation_resolves()
    {
        var alert = NewAlert();
        Run(alert, Rule(), Tick, _ => true);
        Assert.Equal(AlertStep.Resolved, AlertStateMachine.Advance(alert, false, Rule(), _now));
    }

    [Fact]
    public void A_still_firing_alert_is_repeated_at_most_once_per_repeat_interval()
    {
        var alert = NewAlert();
        var steps = Run(alert, Rule(repeat: "1h"), TimeSpan.FromHours(3) + Tick, _ => true);

        Assert.Single(steps, AlertStep.Fired);
        Assert.Equal(3, steps.Count(s => s == AlertStep.Repeated));
        Assert.Equal(3, alert.Repeats);
    }

    [Fact]
    public void A_repeat_interval_of_zero_never_repeats()
    {
        var alert = NewAlert();
        var steps = Run(alert, Rule(), TimeSpan.FromHours(5), _ => true);
        Assert.DoesNotContain(AlertStep.Repeated, steps);
    }

    [Fact]
    public void Firing_again_after_resolving_starts_a_new_period()
    {
        var alert = NewAlert();
        var rule = Rule(repeat: "1h");
        Run(alert, rule, TimeSpan.FromHours(1) + Tick, _ => true);
        Run(alert, rule, Tick, _ => false);
        var steps = Run(alert, rule, Tick, _ => true);

        Assert.Equal(AlertStep.Fired, steps.Single());
        Assert.Equal(0, alert.Repeats);
        Assert.Null(alert.EndsAt);
    }
}
