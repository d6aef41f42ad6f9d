using System.Collections.Concurrent;
using PrivateNexus.Server.Events;
using StackExchange.Redis;

namespace PrivateNexus.Server.Engine;

/// <summary>
/// Which replica converges which node. Every replica watches every node (each keeps its own state
/// mirror, so reads never wait), but only the holder of a node's lease reconciles it and reports its
/// drift — two replicas creating the same containers, or both reporting one drift, would be wrong.
/// Without Redis there is one replica and it holds every lease. With Redis a lease is a key with a
/// 15-second expiry, renewed every 5 seconds; a replica that dies lets another take over within
/// 15 seconds. While Redis is unreachable each replica keeps what it had (the holder goes on).
/// </summary>
public sealed class NodeLeases(IServiceProvider services, ILogger<NodeLeases> logger) : BackgroundService
{
    public static readonly TimeSpan Ttl = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan RenewEvery = TimeSpan.FromSeconds(5);

    private readonly string _me = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";
    private readonly ConcurrentDictionary<Guid, bool> _held = new();

    private RedisConnection? Redis => services.GetService<RedisConnection>();

    /// <summary>Whether this replica may converge the node now. The first question about a node enlists it.</summary>
    public bool Holds(Guid nodeId)
    {
        if (Redis is null)
        {
            return true;
        }

        return _held.GetOrAdd(nodeId, false);
    }

    /// <summary>One round: take free leases, renew ours. Public for tests; the service runs it every few seconds.</summary>
    public async Task RefreshAsync()
    {
        if (Redis is not { IsConnected: true } redis)
        {
            return;
        }

        var db = redis.Multiplexer.GetDatabase();
        foreach (var nodeId in _held.Keys)
        {
            var key = Key(nodeId);
            try
            {
                var held = _held[nodeId]
                    ? await db.LockExtendAsync(key, _me, Ttl) || await db.LockTakeAsync(key, _me, Ttl)
                    : await db.LockTakeAsync(key, _me, Ttl);
                if (held != _held[nodeId])
                {
                    logger.LogInformation("{Holder} {Action} the lease of node {Node}", _me, held ? "took" : "lost", nodeId);
                }

                _held[nodeId] = held;
            }
            catch (RedisException ex)
            {
                // Keep what we had: see the class comment.
                logger.LogDebug("Lease round for node {Node} skipped: {Error}", nodeId, ex.Message);
            }
        }
    }

    /// <summary>Gives up a node's lease at once (the node was removed, or this replica stops).</summary>
    public async Task ReleaseAsync(Guid nodeId)
    {
        if (_held.TryRemove(nodeId, out var held) && held && Redis is { IsConnected: true } redis)
        {
            await redis.Multiplexer.GetDatabase().LockReleaseAsync(Key(nodeId), _me);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
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

        foreach (var nodeId in _held.Keys.ToList())
        {
            await ReleaseAsync(nodeId).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    private static RedisKey Key(Guid nodeId) => $"privatenexus:lease:node:{nodeId}";
}
