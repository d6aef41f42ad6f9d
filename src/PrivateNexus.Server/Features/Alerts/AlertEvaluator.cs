using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PrivateNexus.Server.Common;
using PrivateNexus.Server.Data;
using PrivateNexus.Server.Features.Clients;
using PrivateNexus.Server.Features.Metrics;
using PrivateNexus.Server.Features.Nodes;
using PrivateNexus.Server.Features.Services;

namespace PrivateNexus.Server.Features.Alerts;

/// <summary>
/// Evaluates every rule every <see cref="AlertsOptions.EvaluationInterval"/> (on the leading replica
/// only) and stores what changed in one transaction: alert states, their firing/resolved transitions
/// (published on the bus by <c>ChangePublisher</c> after the commit) and one delivery per transition
/// and channel, which <see cref="NotificationDispatcher"/> then sends.
/// </summary>
public sealed class AlertEvaluator(
    IServiceScopeFactory scopes,
    AlertLeadership leadership,
    NotificationDispatcher dispatcher,
    AlertMetrics metrics,
    IOptions<AlertsOptions> options,
    TimeProvider time,
    ILogger<AlertEvaluator> logger) : BackgroundService
{
    private DateTimeOffset _lastPrometheusWarning = DateTimeOffset.MinValue;
    private DateTimeOffset _lastPrune = DateTimeOffset.MinValue;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled)
        {
            return;
        }

        using var timer = new PeriodicTimer(options.Value.EvaluationInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                if (!leadership.IsLeader)
                {
                    continue;
                }

                try
                {
                    if (await EvaluateAsync(stoppingToken) > 0)
                    {
                        dispatcher.Wake();
                    }

                    await PruneAsync(stoppingToken);
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    // A failed round (database away) is tried again next tick; nothing half-written stays.
                    logger.LogError(ex, "Alert evaluation failed");
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One round over every rule; returns the number of deliveries it queued.</summary>
    internal async Task<int> EvaluateAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PnxDbContext>();
        var conditions = scope.ServiceProvider.GetRequiredService<AlertConditions>();
        var rules = await db.AlertRules.AsNoTracking().ToListAsync(cancellationToken);
        if (rules.Count == 0)
        {
            metrics.Firing(new Dictionary<AlertSeverity, int>());
            return 0;
        }

        var world = await WorldAsync(db, rules, cancellationToken);
        var alerts = (await db.Alerts.ToListAsync(cancellationToken)).ToDictionary(a => a.Fingerprint, StringComparer.Ordinal);
        var channels = await db.NotificationChannels.AsNoTracking().Where(c => c.Enabled).Select(c => c.Id).ToListAsync(cancellationToken);
        var now = time.Now();
        var queued = 0;
        foreach (var rule in rules)
        {
            IReadOnlyList<Observation> observations;
            try
            {
                observations = rule.Enabled ? await conditions.ObserveAsync(rule, world, cancellationToken) : [];
            }
            catch (PrometheusUnavailableException ex)
            {
                // Not knowing is not "fine": the rule's alerts keep their state until Prometheus answers.
                metrics.Skipped("prometheus_unavailable");
                WarnPrometheus(rule, ex, now);
                continue;
            }

            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var observation in observations)
            {
                var fingerprint = $"{rule.Id:N}:{observation.Type.ToString().ToLowerInvariant()}:{observation.Id:N}";
                seen.Add(fingerprint);
                if (observation.Holds is not { } holds)
                {
                    continue;
                }

                var isNew = !alerts.TryGetValue(fingerprint, out var alert);
                if (!holds && (isNew || alert!.State == AlertState.Resolved))
                {
                    // Quiet and staying quiet: nothing to write (most targets, most of the time).
                    continue;
                }

                alert ??= new Alert
                {
                    RuleId = rule.Id,
                    ClientId = rule.ClientId,
                    Fingerprint = fingerprint,
                    TargetType = observation.Type,
                    TargetId = observation.Id,
                    State = AlertState.Resolved,
                };
                alert.TargetName = observation.Name;
                alert.LastValue = observation.Value;
                alert.Summary = observation.Summary.Length > 500 ? observation.Summary[..500] : observation.Summary;
                var step = Advance(db, alert, holds, rule, now, channels, ref queued);
                if (isNew && step is AlertStep.Pending or AlertStep.Fired)
                {
                    db.Alerts.Add(alert);
                    alerts[fingerprint] = alert;
                }
            }

            // Targets that are gone (a deleted service or node), and every alert of a disabled rule, clear.
            foreach (var alert in alerts.Values.Where(a => a.RuleId == rule.Id && a.State != AlertState.Resolved && !seen.Contains(a.Fingerprint)).ToList())
            {
                Advance(db, alert, holds: false, rule, now, channels, ref queued);
            }
        }

        foreach (var changed in db.ChangeTracker.Entries<Alert>().Where(e => e.State == EntityState.Modified))
        {
            changed.Entity.Version++;
        }

        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException ex) when (ex is DbUpdateConcurrencyException || ex.IsUniqueViolation())
        {
            // Another replica evaluated at the same moment (a lease handover): its round stands, ours is dropped.
            logger.LogWarning("Alert evaluation overlapped with another replica's; this round is skipped");
            return 0;
        }

        metrics.Firing(alerts.Values.Where(a => a.State == AlertState.Firing).GroupBy(a => a.Severity).ToDictionary(g => g.Key, g => g.Count()));
        return queued;
    }

    private static AlertStep Advance(PnxDbContext db, Alert alert, bool holds, AlertRule rule, DateTimeOffset now, List<Guid> channels, ref int queued)
    {
        alert.Kind = rule.Kind;
        alert.Severity = rule.Severity;
        var step = AlertStateMachine.Advance(alert, holds, rule, now);
        switch (step)
        {
            case AlertStep.Fired or AlertStep.Resolved:
                var transition = new AlertTransition
                {
                    AlertId = alert.Id,
                    ClientId = alert.ClientId,
                    State = alert.State,
                    At = now,
                    Value = alert.LastValue,
                    Summary = alert.Summary,
                };
                db.AlertTransitions.Add(transition);
                if (step == AlertStep.Fired)
                {
                    alert.FiringTransitionId = transition.Id;
                }

                queued += Queue(db, transition.Id, repeat: 0, rule, now, channels);
                break;
            case AlertStep.Repeated when alert.FiringTransitionId is { } firing:
                queued += Queue(db, firing, alert.Repeats, rule, now, channels);
                break;
            case AlertStep.Dropped when alert.StartsAt is null && db.Entry(alert).State != EntityState.Detached:
                // Pending that never fired leaves nothing behind: flapping is not history.
                db.Alerts.Remove(alert);
                break;
        }

        return step;
    }

    private static int Queue(PnxDbContext db, Guid transitionId, int repeat, AlertRule rule, DateTimeOffset now, List<Guid> channels)
    {
        var count = 0;
        foreach (var channelId in rule.ChannelIds.Where(channels.Contains))
        {
            db.NotificationDeliveries.Add(new NotificationDelivery
            {
                TransitionId = transitionId,
                ChannelId = channelId,
                Repeat = repeat,
                Status = DeliveryStatus.Pending,
                NextAttemptAt = now,
                CreatedAt = now,
                Version = 1,
            });
            count++;
        }

        return count;
    }

    private static async Task<AlertWorld> WorldAsync(PnxDbContext db, List<AlertRule> rules, CancellationToken cancellationToken)
    {
        var enabled = rules.Where(r => r.Enabled).ToList();
        var needsServices = enabled.Any(r => AlertRuleDefaults.IsServiceKind(r.Kind) || r.Kind == AlertKind.QuotaNearlyUsed);
        var services = needsServices ? await db.Services.AsNoTracking().Include(s => s.Client).ToListAsync(cancellationToken) : new List<Service>();
        var nodes = enabled.Any(r => r.Kind == AlertKind.NodeOffline) ? await db.Nodes.AsNoTracking().ToListAsync(cancellationToken) : new List<Node>();
        var clients = enabled.Any(r => r.Kind == AlertKind.QuotaNearlyUsed) ? await db.Clients.AsNoTracking().ToListAsync(cancellationToken) : new List<Client>();
        return new AlertWorld(services, nodes, clients);
    }

    /// <summary>
    /// Drops history older than <see cref="AlertsOptions.HistoryRetention"/>: finished deliveries, and
    /// transitions (with their deliveries) except the one a still-firing alert repeats. At most hourly.
    /// </summary>
    internal async Task PruneAsync(CancellationToken cancellationToken)
    {
        var now = time.Now();
        var retention = options.Value.HistoryRetention;
        if (now - _lastPrune < (retention < TimeSpan.FromHours(1) ? retention : TimeSpan.FromHours(1)))
        {
            return;
        }

        _lastPrune = now;
        var cutoff = now - retention;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PnxDbContext>();
        var deliveries = await db.NotificationDeliveries
            .Where(d => (d.Status == DeliveryStatus.Sent || d.Status == DeliveryStatus.Failed) && d.CreatedAt < cutoff)
            .ExecuteDeleteAsync(cancellationToken);
        var current = db.Alerts.Where(a => a.State == AlertState.Firing && a.FiringTransitionId != null).Select(a => a.FiringTransitionId!.Value);
        var transitions = await db.AlertTransitions
            .Where(t => t.At < cutoff && !current.Contains(t.Id))
            .ExecuteDeleteAsync(cancellationToken);
        if (deliveries + transitions > 0)
        {
            logger.LogInformation("Pruned {Transitions} alert transition(s) and {Deliveries} notification deliveries older than {Cutoff:u}", transitions, deliveries, cutoff);
        }
    }

    /// <summary>Once a minute at most: an unreachable Prometheus would otherwise log every rule every round.</summary>
    private void WarnPrometheus(AlertRule rule, PrometheusUnavailableException ex, DateTimeOffset now)
    {
        if (now - _lastPrometheusWarning < TimeSpan.FromMinutes(1))
        {
            return;
        }

        _lastPrometheusWarning = now;
        logger.LogWarning("Alert rule {Rule} ({Kind}) skipped, its alerts keep their state: {Error}", rule.Id, rule.Kind, ex.Message);
    }
}
