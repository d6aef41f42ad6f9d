using System.Collections.Concurrent;

namespace PrivateNexus.Server.Engine;

/// <summary>
/// How a change of desired state reaches the node agents at once instead of at their next tick.
/// Feature services call <see cref="Converge"/> after they commit; the supervisor listens.
/// </summary>
public sealed class ReconcileSignals
{
    private readonly ConcurrentDictionary<Guid, Action> _listeners = new();

    public event Action? NodesChanged;

    public void Converge(Guid nodeId)
    {
        if (_listeners.TryGetValue(nodeId, out var poke))
        {
            poke();
        }
    }

    public void ConvergeAll()
    {
        foreach (var poke in _listeners.Values)
        {
            poke();
        }
    }

    public void NodeSetChanged() => NodesChanged?.Invoke();

    internal void Listen(Guid nodeId, Action poke) => _listeners[nodeId] = poke;

    internal void Unlisten(Guid nodeId) => _listeners.TryRemove(nodeId, out _);
}
