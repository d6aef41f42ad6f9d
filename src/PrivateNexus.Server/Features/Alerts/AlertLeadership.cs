using Microsoft.Extensions.Options;
using PrivateNexus.Server.Events;
using StackExchange.Redis;

namespace PrivateNexus.Server.Features.Alerts;

/// <summary>
/// Which replica evaluates alert rules and sends notifications: one at a time, or two replicas would
/// each notice a transition and each send it. Without Redis there is one replica and it leads. With
/// Redis the leader holds a key with a 15-second expiry, renewed every 5 seconds (the pattern of
/// <c>Engine/NodeLeases</c>); if it dies another replica takes over within 15 seconds and carries on
/// from the stored alert states. While Redis is unreachable each replica keeps what it had (alerts keep
/// being evaluated on a single replica whose Redis is down). Should two ever overlap, the database
/// keeps it exactly once: a second alert per fingerprint is refused, an alert both stepped is saved
/// by the first only (<see cref="Alert.Version"/>; the other round is dropped with its transitions and
/// deliveries), and a delivery is claimed (optimistic concurrency) before it is sent.
/// </summary>
public sealed class AlertLeadership(IServiceProvider services, IOptions<AlertsOptions> options, ILogger<AlertLeadership> logger) : BackgroundService
{
    public static readonly TimeSpan Ttl = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan RenewEvery = TimeSpan.FromSeconds(5);
    private static readonly RedisKey Key = "privatenexus:lease:alerts";

    private readonly string _me = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";
    private volatile bool _leading;

    private RedisConnection? Redis => services.GetService<RedisConnection>();

    public bool IsLeader => Redis is null || _leading;

    /// <summary>One round: take the lease if free, renew it if ours.</summary>
    public async Task RefreshAsync()
    {
        if (Redis is not { IsConnected: true } redis)
        {
            return;
        }

        try
        {
            var db = redis.Multiplexer.GetDatabase();
            var leading = _leading
                ? await db.LockExtendAsync(Key, _me, Ttl) || await db.LockTakeAsync(Key, _me, Ttl)
                : await db.LockTakeAsync(Key, _me, Ttl);
            if (leading != _leading)
            {
                logger.LogInformation("{Holder} {Action} alert evaluation", _me, leading ? "took over" : "handed over");
            }

            _leading = leading;
        }
        catch (RedisException ex)
        {
            logger.LogDebug("Alert lease round skipped: {Error}", ex.Message);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // A replica with alerting switched off never takes the lease, or nobody would evaluate while it held it.
        if (Redis is null || !options.Value.Enabled)
        {
            return;
        }

        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await RefreshAsync();
                await Task.Delay(RenewEvery, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        if (_leading && Redis is { IsConnected: true } redis)
        {
            _leading = false;
            await redis.Multiplexer.GetDatabase().LockReleaseAsync(Key, _me).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }
}
