using Docker.DotNet;
using Docker.DotNet.Models;

namespace PrivateNexus.Server.Engine;

/// <summary>Swarm services: only on a swarm manager, only ours (labelled with this node record).</summary>
public sealed partial class EngineCalls
{
    public async Task<IList<SwarmService>> ListOurSwarmServicesAsync(CancellationToken cancellationToken)
    {
        using var bounded = Bounded(cancellationToken);
        return await client.Swarm.ListServicesAsync(new ServiceListParameters { Filters = OursFilter() }, bounded.Token);
    }

    public async Task<string> CreateSwarmServiceAsync(ServiceSpec spec, CancellationToken cancellationToken)
    {
        using var bounded = Bounded(cancellationToken);
        var created = await client.Swarm.CreateServiceAsync(new ServiceCreateParameters { Service = spec }, bounded.Token);
        return created.ID ?? "";
    }

    /// <summary>Replaces the service's spec; <paramref name="version"/> is the one read, so a concurrent change fails instead of being lost.</summary>
    public async Task UpdateSwarmServiceAsync(string id, ulong version, ServiceSpec spec, CancellationToken cancellationToken)
    {
        using var bounded = Bounded(cancellationToken);
        await client.Swarm.UpdateServiceAsync(id, new ServiceUpdateParameters { Service = spec, Version = (long)version }, bounded.Token);
    }

    /// <summary>
    /// How the task of an ended task container ended, as Swarm says; null when it cannot say (the task is
    /// gone, the engine is no longer a manager, the call failed or timed out). Not knowing only means
    /// that end is not counted as a restart, so it never fails the inspect it is part of.
    /// </summary>
    public async Task<SwarmTaskEnd?> SwarmTaskEndAsync(string taskId, CancellationToken cancellationToken)
    {
        try
        {
            using var bounded = Bounded(cancellationToken);
            var task = await client.Tasks.InspectAsync(taskId, bounded.Token);
            return TaskEnd(task.DesiredState, task.Status?.State);
        }
        catch (Exception ex) when (!(ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            // Any failure (an API error, a broken connection, an answer that does not parse) is "not known".
            return null;
        }
    }

    /// <summary>
    /// Swarm sets a task's desired state to shutdown or remove before it stops the task's container
    /// (rollout, scale-down, stop), while a container that dies on its own leaves it "running" until
    /// its agent reports the task failed or complete — both read here as <see cref="SwarmTaskEnd.OnItsOwn"/>,
    /// so the answer is the same whether the task is read right at the container's end or later.
    /// </summary>
    internal static SwarmTaskEnd? TaskEnd(TaskState? desired, TaskState? status) => (desired, status) switch
    {
        (_, TaskState.Failed or TaskState.Complete or TaskState.Rejected) => SwarmTaskEnd.OnItsOwn,
        (TaskState.Shutdown or TaskState.Remove or TaskState.Orphaned, _) => SwarmTaskEnd.BySwarm,
        (null, _) => null,
        _ => SwarmTaskEnd.OnItsOwn,
    };

    public async Task RemoveSwarmServiceAsync(string id, CancellationToken cancellationToken)
    {
        try
        {
            using var bounded = Bounded(cancellationToken);
            await client.Swarm.RemoveServiceAsync(id, bounded.Token);
        }
        catch (DockerApiException ex) when (ex.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            // Already gone: the goal is reached.
        }
    }
}
