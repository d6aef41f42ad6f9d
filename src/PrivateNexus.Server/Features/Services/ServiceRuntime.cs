using PrivateNexus.Server.Engine;

namespace PrivateNexus.Server.Features.Services;

public enum ServiceStatus
{
    /// <summary>Desired running, nothing created yet.</summary>
    Pending,
    Starting,
    Running,

    /// <summary>Desired running, but containers exited or are unhealthy.</summary>
    Failing,
    Stopping,
    Stopped,

    /// <summary>The node is offline or not yet contacted: the last known state may be stale.</summary>
    Unknown,
}

/// <summary>How a service is doing right now, computed from the state mirror only (never the engine).</summary>
public sealed class ServiceRuntime(StateMirror mirror)
{
    public IReadOnlyList<ContainerState> Instances(Service service) => mirror.ContainersOf(service.NodeId, service.Id);

    /// <summary>The container's latest background sample, or null before the first (or once it stopped).</summary>
    public ContainerStats? Stats(ContainerState instance) => mirror.StatsOf(instance.Id);

    public ServiceStatus Status(Service service)
    {
        var node = mirror.Node(service.NodeId);
        if (node.Status is NodeStatus.Offline or NodeStatus.Unknown)
        {
            return ServiceStatus.Unknown;
        }

        var containers = mirror.ContainersOf(service.NodeId, service.Id);
        if (service.DesiredState == DesiredState.Stopped || (service.ClientSuspended ?? service.Client is { Status: Clients.ClientStatus.Suspended }))
        {
            return containers.Any(c => c.Running) ? ServiceStatus.Stopping : ServiceStatus.Stopped;
        }

        if (containers.Count == 0)
        {
            return ServiceStatus.Pending;
        }

        // One pass over the instances of the current revision and restart generation (status is read
        // for every service of every page: no intermediate lists).
        var healthy = 0;
        var failing = false;
        foreach (var c in containers)
        {
            if (c.Revision != service.Revision || c.RestartGeneration != service.RestartGeneration)
            {
                continue;
            }

            healthy += c.Running && c.Health is null or "healthy" ? 1 : 0;
            failing |= c.State is "exited" or "dead" || c.Health == "unhealthy" || c.RestartCount > 3;
        }

        if (healthy >= service.Replicas)
        {
            return ServiceStatus.Running;
        }

        return failing
            ? ServiceStatus.Failing
            : ServiceStatus.Starting;
    }
}
