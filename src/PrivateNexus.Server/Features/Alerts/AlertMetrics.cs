using Prometheus;

namespace PrivateNexus.Server.Features.Alerts;

/// <summary>Alerting's own numbers on the host's registry: firing alerts, notifications, and rules skipped.</summary>
public sealed class AlertMetrics
{
    private readonly Gauge _firing;
    private readonly Counter _notifications;
    private readonly Counter _skipped;

    public AlertMetrics(CollectorRegistry registry)
    {
        var factory = Prometheus.Metrics.WithCustomRegistry(registry);
        _firing = factory.CreateGauge(
            "pnx_alerts_firing",
            "Alerts firing now by severity, as last evaluated by the replica that evaluates (others report 0).",
            ["severity"]);
        _notifications = factory.CreateCounter(
            "pnx_alert_notifications_total", "Alert notifications by channel type and outcome (sent, failed: one per failed attempt).", ["type", "outcome"]);
        _skipped = factory.CreateCounter(
            "pnx_alert_rule_evaluations_skipped_total",
            "Rule evaluations skipped, by reason (prometheus_unavailable: CPU and memory rules keep their state until it answers).",
            ["reason"]);
        foreach (var severity in Enum.GetValues<AlertSeverity>())
        {
            _firing.WithLabels(Label(severity)).Set(0);
        }
    }

    public void Firing(IReadOnlyDictionary<AlertSeverity, int> bySeverity)
    {
        foreach (var severity in Enum.GetValues<AlertSeverity>())
        {
            _firing.WithLabels(Label(severity)).Set(bySeverity.GetValueOrDefault(severity));
        }
    }

    public void NotificationSent(ChannelType type) => _notifications.WithLabels(Label(type), "sent").Inc();

    public void NotificationFailed(ChannelType type) => _notifications.WithLabels(Label(type), "failed").Inc();

    public void Skipped(string reason) => _skipped.WithLabels(reason).Inc();

    private static string Label<T>(T value)
        where T : struct, Enum => value.ToString().ToLowerInvariant();
}
