using System.Collections.Concurrent;

namespace PrivateNexus.Server.Engine;

/// <summary>
/// The in-memory picture of every node and our containers on it, fed by the node agents (event
/// streams plus periodic resyncs). Readers — queries, pages — only ever read snapshots from here;
/// they never wait on an engine.
/// </summary>
public sealed class StateMirror
{
    private readonly ConcurrentDictionary<Guid, NodeSnapshot> _nodes = new();

    // Per node: its containers grouped by service, rebuilt on write (a few a second) so reads of a
    // page of services never scan all of a node's containers per service.
    // Neither the dictionaries nor their arrays change once published: readers share them without a copy.
    private readonly ConcurrentDictionary<Guid, Dictionary<Guid, ContainerState[]>> _byService = new();
    private readonly Lock _gate = new();

    /// <summary>Raised after a node's snapshot changed (the event bus will fan this out).</summary>
    public event Action<NodeSnapshot, NodeSnapshot>? Changed;

    /// <summary>Every node's snapshot now (the metrics export reads them at scrape time).</summary>
    public IEnumerable<NodeSnapshot> Nodes => _nodes.Values;

    public NodeSnapshot Node(Guid nodeId) => _nodes.GetValueOrDefault(nodeId) ?? NodeSnapshot.Empty(nodeId);

    public IReadOnlyList<ContainerState> ContainersOf(Guid nodeId, Guid serviceId) =>
        _byService.TryGetValue(nodeId, out var index) && index.TryGetValue(serviceId, out var containers) ? containers : [];

    /// <summary>A container's latest resource sample; container ids are unique across engines, and nodes are few.</summary>
    public ContainerStats? StatsOf(string containerId)
    {
        foreach (var node in _nodes.Values)
        {
            if (node.Stats.TryGetValue(containerId, out var stats))
            {
                return stats;
            }
        }

        return null;
    }

    /// <summary>Replaces a node's snapshot. Writers are the node agents (a few events a second); one lock is plenty.</summary>
    public void Update(Guid nodeId, Func<NodeSnapshot, NodeSnapshot> change)
    {
        NodeSnapshot before, after;
        lock (_gate)
        {
            before = Node(nodeId);
            after = change(before);
            _nodes[nodeId] = after;
            if (!ReferenceEquals(before.Containers, after.Containers) || !_byService.ContainsKey(nodeId))
            {
                _byService[nodeId] = after.Containers.Values
                    .OrderBy(c => c.Replica).ThenBy(c => c.Name, StringComparer.Ordinal)
                    .GroupBy(c => c.ServiceId)
                    .ToDictionary(g => g.Key, g => g.ToArray());
            }
        }

        if (!ReferenceEquals(before, after))
        {
            Changed?.Invoke(before, after);
        }
    }

    public void Forget(Guid nodeId)
    {
        lock (_gate)
        {
            _nodes.TryRemove(nodeId, out _);
            _byService.TryRemove(nodeId, out _);
        }
    }
}
