using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PrivateNexus.Server.Common;
using PrivateNexus.Server.Data;

namespace PrivateNexus.Server.Features.Alerts;

/// <summary>
/// Sends queued notification deliveries (the outbox the evaluator writes), on the leading replica.
/// Each delivery is first claimed — status, claim expiry and version written with optimistic
/// concurrency — so no two senders send it; then sent; then marked sent. A failure is tried again
/// after <see cref="AlertsOptions.RetryDelay"/> (30 s), then twice as long each time, up to <see cref="AlertsOptions.DeliveryAttempts"/>. A sender that dies
/// mid-send leaves a claim that expires, and the delivery is sent again with the same delivery id.
/// </summary>
public sealed class NotificationDispatcher(
    IServiceScopeFactory scopes, AlertLeadership leadership, IOptions<AlertsOptions> options, TimeProvider time, ILogger<NotificationDispatcher> logger)
    : BackgroundService
{
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Claim = TimeSpan.FromMinutes(2);
    private const int Batch = 50;

    private readonly SemaphoreSlim _wake = new(0, 1);

    /// <summary>Something was queued: send it now instead of at the next poll.</summary>
    public void Wake()
    {
        if (_wake.CurrentCount == 0)
        {
            try
            {
                _wake.Release();
            }
            catch (SemaphoreFullException)
            {
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled)
        {
            return;
        }

        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await _wake.WaitAsync(Poll, stoppingToken);
                if (!leadership.IsLeader)
                {
                    continue;
                }

                try
                {
                    await SendDueAsync(stoppingToken);
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    logger.LogError(ex, "Sending alert notifications failed");
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    internal async Task SendDueAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PnxDbContext>();
        var now = time.Now();
        var due = await db.NotificationDeliveries
            .Where(d => (d.Status == DeliveryStatus.Pending && d.NextAttemptAt <= now) || (d.Status == DeliveryStatus.Sending && d.ClaimedUntil < now))
            .OrderBy(d => d.NextAttemptAt).ThenBy(d => d.Id)
            .Take(Batch)
            .ToListAsync(cancellationToken);
        foreach (var delivery in due)
        {
            if (!await ClaimAsync(db, delivery, cancellationToken))
            {
                continue;
            }

            await SendAsync(scope.ServiceProvider, db, delivery, cancellationToken);
        }
    }

    private async Task<bool> ClaimAsync(PnxDbContext db, NotificationDelivery delivery, CancellationToken cancellationToken)
    {
        delivery.Status = DeliveryStatus.Sending;
        delivery.ClaimedUntil = time.Now() + Claim;
        delivery.Attempts++;
        delivery.Version++;
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return true;
        }
        catch (DbUpdateConcurrencyException)
        {
            // Someone else claimed (or finished) it first.
            db.Entry(delivery).State = EntityState.Detached;
            return false;
        }
    }

    private async Task SendAsync(IServiceProvider services, PnxDbContext db, NotificationDelivery delivery, CancellationToken cancellationToken)
    {
        var found = await (
            from t in db.AlertTransitions.AsNoTracking()
            join a in db.Alerts.AsNoTracking() on t.AlertId equals a.Id
            join r in db.AlertRules.AsNoTracking() on a.RuleId equals r.Id
            where t.Id == delivery.TransitionId
            select new { Transition = t, Alert = a, RuleName = r.Name }).SingleOrDefaultAsync(cancellationToken);
        var channel = await db.NotificationChannels.AsNoTracking().SingleOrDefaultAsync(c => c.Id == delivery.ChannelId, cancellationToken);
        string? error = null;
        if (found is null || channel is null || !channel.Enabled)
        {
            error = "The channel was disabled (or the alert removed) before the notification was sent.";
            delivery.Attempts = int.MaxValue / 2;
        }
        else
        {
            var (t, a) = (found.Transition, found.Alert);
            var payload = new AlertPayload(
                1, delivery.Id, AlertPayload.EventOf(t.State, delivery.Repeat), time.Now(),
                new AlertPayload.AlertPart(
                    a.Id, a.Fingerprint, a.RuleId, found.RuleName, a.Kind, a.Severity, t.State, a.TargetType, a.TargetId, a.TargetName, a.ClientId,
                    a.StartsAt, t.State == AlertState.Resolved ? t.At : null, delivery.Repeat > 0 ? a.LastValue : t.Value, delivery.Repeat > 0 ? a.Summary : t.Summary));
            try
            {
                await services.GetRequiredService<NotificationSender>().SendAsync(channel, payload, cancellationToken);
            }
            catch (NotificationFailedException ex)
            {
                error = ex.Message;
            }
        }

        var now = time.Now();
        delivery.ClaimedUntil = null;
        delivery.Version++;
        if (error is null)
        {
            delivery.Status = DeliveryStatus.Sent;
            delivery.SentAt = now;
            delivery.LastError = null;
        }
        else
        {
            var last = delivery.Attempts >= options.Value.DeliveryAttempts;
            delivery.Status = last ? DeliveryStatus.Failed : DeliveryStatus.Pending;
            delivery.NextAttemptAt = now + options.Value.RetryDelay * Math.Pow(2, Math.Min(delivery.Attempts - 1, 10));
            delivery.LastError = error.Length > 1000 ? error[..1000] : error;
            delivery.Attempts = Math.Min(delivery.Attempts, options.Value.DeliveryAttempts);
            logger.LogWarning("Alert notification {Delivery} to channel {Channel} failed ({Outcome}): {Error}", delivery.Id, delivery.ChannelId, last ? "given up" : "will retry", error);
        }

        await db.SaveChangesAsync(cancellationToken);
    }
}
