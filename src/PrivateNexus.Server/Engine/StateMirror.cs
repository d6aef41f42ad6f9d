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
    private readonly Lock _gate = new();

    /// <summary>Raised after a node's snapshot changed (the event bus will fan this out).</summary>
    public event Action<NodeSnapshot, NodeSnapshot>? Changed;

    public NodeSnapshot Node(Guid nodeId) => _nodes.GetValueOrDefault(nodeId) ?? NodeSnapshot.Empty(nodeId);

    public IReadOnlyList<ContainerState> ContainersOf(Guid nodeId, Guid serviceId) =>
        [.. Node(nodeId).Containers.Values.Where(c => c.ServiceId == serviceId).OrderBy(c => c.Replica).ThenBy(c => c.Name, StringComparer.Ordinal)];

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
        }

        if (!ReferenceEquals(before, after))
        {
            Changed?.Invoke(before, after);
        }
    }

    public void Forget(Guid nodeId) => _nodes.TryRemove(nodeId, out _);
}
