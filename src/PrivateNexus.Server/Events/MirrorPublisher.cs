using PrivateNexus.Server.Engine;

namespace PrivateNexus.Server.Events;

/// <summary>
/// Turns state-mirror changes into bus events: a node whose status or engine changed, and each
/// service one of whose containers changed (state, health, restarts …) — or all of a node's
/// services when the node itself went offline or came back. Every replica keeps its own mirror
/// of every node, so these events stay on the replica that saw them.
/// </summary>
public sealed class MirrorPublisher(StateMirror mirror, EventBus bus) : MirrorWatcher(mirror)
{
    internal override void OnChanged(NodeSnapshot before, NodeSnapshot after)
    {
        var nodeChanged = before.Status != after.Status || before.Engine != after.Engine || before.LastError != after.LastError;
        if (nodeChanged)
        {
            bus.Publish(new NodeChanged(after.NodeId), EventReach.ThisReplica);
        }

        var statusChanged = before.Status != after.Status;
        if (!statusChanged && ReferenceEquals(before.Containers, after.Containers))
        {
            return;
        }

        var services = new Dictionary<Guid, Guid>();
        foreach (var (id, container) in after.Containers)
        {
            if (statusChanged || !before.Containers.TryGetValue(id, out var old) || !SameLiveState(old, container))
            {
                services.TryAdd(container.ServiceId, container.ClientId);
            }
        }

        foreach (var (id, container) in before.Containers)
        {
            if (statusChanged || !after.Containers.ContainsKey(id))
            {
                services.TryAdd(container.ServiceId, container.ClientId);
            }
        }

        foreach (var (serviceId, clientId) in services)
        {
            bus.Publish(new ServiceChanged(serviceId, clientId), EventReach.ThisReplica);
        }
    }

    /// <summary>What a subscriber sees of an instance; a resync rebuilding an equal record (new port list) is no change.</summary>
    private static bool SameLiveState(ContainerState a, ContainerState b) =>
        a.State == b.State && a.Health == b.Health && a.ExitCode == b.ExitCode && a.RestartCount == b.RestartCount
        && a.StartedAt == b.StartedAt && a.Revision == b.Revision && a.RestartGeneration == b.RestartGeneration
        && a.Image == b.Image && a.Ports.SequenceEqual(b.Ports);
}
