using System.Collections.Concurrent;
using PrivateNexus.Server.Engine;

namespace PrivateNexus.Server.Features.Alerts;

/// <summary>
/// Counts each service's container (re)starts as the state mirror sees them: a container that runs
/// again with a new start time (after a crash, a kill, a manual start — whether Docker's restart
/// policy or the reconciler brought it back), or whose engine restart count went up. Docker resets
/// its own count when a container is started by hand, so the count alone would miss the reconciler's
/// restarts. Kept in memory for a day: a replica taking over the evaluation starts counting afresh.
/// </summary>
public sealed class RestartTracker(StateMirror mirror, TimeProvider time) : IHostedService
{
    private static readonly TimeSpan Keep = TimeSpan.FromDays(1);

    private readonly ConcurrentDictionary<string, DateTimeOffset> _lastStart = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Guid, ConcurrentQueue<DateTimeOffset>> _restarts = new();

    public Task StartAsync(CancellationToken cancellationToken)
    {
        mirror.Changed += OnChanged;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        mirror.Changed -= OnChanged;
        return Task.CompletedTask;
    }

    /// <summary>Restarts of the service's containers within the last <paramref name="window"/>.</summary>
    public int RestartsWithin(Guid serviceId, TimeSpan window)
    {
        if (!_restarts.TryGetValue(serviceId, out var queue))
        {
            return 0;
        }

        var now = time.GetUtcNow();
        while (queue.TryPeek(out var oldest) && now - oldest > Keep)
        {
            queue.TryDequeue(out _);
        }

        return queue.Count(t => now - t <= window);
    }

    internal void OnChanged(NodeSnapshot before, NodeSnapshot after)
    {
        if (ReferenceEquals(before.Containers, after.Containers))
        {
            return;
        }

        var now = time.GetUtcNow();
        foreach (var (id, container) in after.Containers)
        {
            var restarts = before.Containers.TryGetValue(id, out var old) ? Math.Max(0, container.RestartCount - old.RestartCount) : 0;
            if (container.StartedAt is { } started)
            {
                if (_lastStart.TryGetValue(id, out var previous) && previous != started)
                {
                    restarts = Math.Max(restarts, 1);
                }

                _lastStart[id] = started;
            }

            for (var i = 0; i < restarts; i++)
            {
                _restarts.GetOrAdd(container.ServiceId, _ => new ConcurrentQueue<DateTimeOffset>()).Enqueue(now);
            }
        }

        foreach (var id in before.Containers.Keys)
        {
            if (!after.Containers.ContainsKey(id))
            {
                _lastStart.TryRemove(id, out _);
            }
        }
    }
}
