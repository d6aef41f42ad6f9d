using System.Collections.Concurrent;
using PrivateNexus.Server.Engine;

namespace PrivateNexus.Server.Features.Alerts;

/// <summary>
/// Counts each service's container (re)starts as the state mirror sees them: a container that runs
/// again with a new start time (after a crash, a kill, a manual start — whether Docker's restart
/// policy or the reconciler brought it back), or whose engine restart count went up. Docker resets
/// its own count when a container is started by hand, so the count alone would miss the reconciler's
/// restarts. Swarm never restarts a task's container: it replaces a failed task with a new one, so
/// for Swarm services a replacement counts instead (see <see cref="CountSwarmReplacements"/>).
/// Kept in memory for a day: a replica taking over the evaluation starts counting afresh.
/// </summary>
public sealed class RestartTracker(StateMirror mirror, TimeProvider time) : MirrorWatcher(mirror)
{
    private static readonly TimeSpan Keep = TimeSpan.FromDays(1);

    /// <summary>Container ids remembered per slot; Swarm keeps 5 ended tasks per slot by default.</summary>
    private const int SeenPerSlot = 16;

    private readonly ConcurrentDictionary<string, DateTimeOffset> _lastStart = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Guid, ConcurrentQueue<DateTimeOffset>> _restarts = new();

    // Per node, per Swarm service replica slot. Changes of one node may be reported from two threads
    // (its event stream and its reconciler), and a slot's memory is read and written in several steps.
    private readonly Dictionary<Guid, Dictionary<(Guid Service, int Replica), Slot>> _slots = [];
    private readonly Lock _slotsGate = new();

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

    internal override void OnChanged(NodeSnapshot before, NodeSnapshot after)
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
                Count(container.ServiceId, now);
            }
        }

        foreach (var id in before.Containers.Keys)
        {
            if (!after.Containers.ContainsKey(id))
            {
                _lastStart.TryRemove(id, out _);
            }
        }

        CountSwarmReplacements(before, after, now);
    }

    private void Count(Guid serviceId, DateTimeOffset at) =>
        _restarts.GetOrAdd(serviceId, _ => new ConcurrentQueue<DateTimeOffset>()).Enqueue(at);

    /// <summary>
    /// A new container in a Swarm service's replica slot is a restart when the slot's previous
    /// container ended on its own (<see cref="SwarmTaskEnd.OnItsOwn"/>: a crash, a kill, a failed
    /// health check) and ran the same spec: the same Swarm service, revision and restart generation.
    /// Not a restart: a rollout or restart the user asked for (a new revision or restart generation),
    /// a scale-down, stop or start (Swarm shut the previous one down, or the slot was empty), a new
    /// task beside a previous one still running (start-first, or a start while the stop still runs).
    /// The previous container is the slot's latest, not any ended one: Swarm keeps ended tasks of a
    /// slot as history, and the crash of an older one says nothing about the newest.
    /// </summary>
    private void CountSwarmReplacements(NodeSnapshot before, NodeSnapshot after, DateTimeOffset now)
    {
        // A node seen for the first time (server start) or again after an outage shows at once what
        // happened before or meanwhile: known from then on, but not counted as happening now.
        var followed = before.Status is NodeStatus.Online or NodeStatus.Degraded;
        lock (_slotsGate)
        {
            if (!_slots.TryGetValue(after.NodeId, out var slots))
            {
                _slots[after.NodeId] = slots = [];
            }

            var present = new HashSet<(Guid, int)>();
            foreach (var group in after.Containers.Values.Where(c => c.SwarmService is not null).GroupBy(c => (c.ServiceId, c.Replica)))
            {
                present.Add(group.Key);
                if (!slots.TryGetValue(group.Key, out var slot))
                {
                    slots[group.Key] = slot = new Slot();
                }

                if (slot.Latest is { } latest && after.Containers.TryGetValue(latest.Id, out var seenNow))
                {
                    slot.Latest = seenNow;
                }

                // Several new ones at once come from a resync that caught up on more than one step: the
                // ended ones came first.
                var fresh = group.Where(c => !slot.Seen.Contains(c.Id)).OrderBy(c => Ended(c) ? 0 : 1).ThenBy(c => c.Id, StringComparer.Ordinal);
                foreach (var container in fresh)
                {
                    if (followed && slot.Latest is { } previous && Replaces(container, previous))
                    {
                        Count(container.ServiceId, now);
                    }

                    // In a first sight of the node, which of several ended ones was last is not known.
                    if (followed || !Ended(container))
                    {
                        slot.Latest = container;
                    }

                    slot.Seen.Add(container.Id);
                    if (slot.Seen.Count > SeenPerSlot)
                    {
                        slot.Seen.RemoveAt(0);
                    }
                }
            }

            // A slot none of whose containers is left (removed, scaled down, the service deleted) starts afresh.
            foreach (var key in slots.Keys.Where(k => !present.Contains(k)).ToList())
            {
                slots.Remove(key);
            }
        }
    }

    private static bool Ended(ContainerState container) => container.State is "exited" or "dead";

    private static bool Replaces(ContainerState container, ContainerState previous) =>
        previous.Id != container.Id
        && previous.TaskEnd == SwarmTaskEnd.OnItsOwn
        && previous.SwarmService == container.SwarmService
        && previous.Revision == container.Revision
        && previous.RestartGeneration == container.RestartGeneration;

    /// <summary>One replica slot of a Swarm service on one node.</summary>
    private sealed class Slot
    {
        /// <summary>Ids seen in the slot, oldest first: one seen again (a resync racing an event) is not new.</summary>
        public List<string> Seen { get; } = [];

        /// <summary>The slot's newest container as last seen; kept after it is gone, since how it ended still matters.</summary>
        public ContainerState? Latest { get; set; }
    }
}
