using System.Collections.Immutable;

namespace PrivateNexus.Server.Engine;

public enum NodeStatus
{
    /// <summary>Not contacted yet since the server started.</summary>
    Unknown,
    Online,

    /// <summary>Answers, but slowly or with errors; its data may be stale.</summary>
    Degraded,
    Offline,
}

/// <summary>What an engine says about itself.</summary>
public sealed record EngineInfo(
    string Version, string ApiVersion, string OperatingSystem, string Architecture, int Cpus, long MemoryBytes, string SwarmRole)
{
    /// <summary>The engine's own node id in its swarm (null outside swarm mode): where our swarm tasks are placed.</summary>
    public string? SwarmNodeId { get; init; }

    public bool IsSwarmManager => SwarmRole == "manager";
}

/// <summary>One of our containers as the engine last reported it.</summary>
public sealed record ContainerState(
    string Id,
    string Name,
    Guid ServiceId,
    Guid ClientId,
    int Revision,
    int Replica,
    int RestartGeneration,
    string State,
    string? Health,
    int ExitCode,
    int RestartCount,
    DateTimeOffset? StartedAt,
    string Image,
    IReadOnlyList<PublishedPort> Ports)
{
    public bool Running => State == "running";

    /// <summary>
    /// The Swarm service whose task this container is (label <c>com.docker.swarm.service.id</c>), or
    /// null for a container we created ourselves. Swarm creates, restarts and removes these; the
    /// reconciler acts on their service, never on them one by one.
    /// </summary>
    public string? SwarmService { get; init; }

    /// <summary>
    /// For a Swarm task's container that has ended (exited or dead): whether its task ended on its own or
    /// Swarm shut it down, as Swarm's task says. Null while it runs, for our own containers, and when
    /// Swarm could not be asked. Swarm replaces a failed task with a new container instead of
    /// restarting the old one, so this is what tells a crash from a rollout, a scale-down or a stop.
    /// </summary>
    public SwarmTaskEnd? TaskEnd { get; init; }
}

/// <summary>How a Swarm task's container came to end (see <see cref="ContainerState.TaskEnd"/>).</summary>
public enum SwarmTaskEnd
{
    /// <summary>
    /// Swarm still meant the task to run when its container ended, or marked the task failed or
    /// complete: it exited, was killed or ran out of memory, or Swarm's agent stopped it for failing
    /// its health check.
    /// </summary>
    OnItsOwn,

    /// <summary>Swarm asked it to stop: a rolling update, a scale-down, a stop (scaled to 0), a removal.</summary>
    BySwarm,
}

public sealed record PublishedPort(int ContainerPort, int? HostPort, string Protocol);

/// <summary>A node's state as the mirror holds it: an immutable snapshot, replaced wholesale on change.</summary>
public sealed record NodeSnapshot(
    Guid NodeId,
    NodeStatus Status,
    DateTimeOffset? LastSeenAt,
    string? LastError,
    EngineInfo? Engine,
    ImmutableDictionary<string, ContainerState> Containers)
{
    /// <summary>
    /// The latest resource sample of each running container, by container id (see <see cref="StatsSampler"/>).
    /// Apart from <see cref="Containers"/> because events and resyncs replace container states wholesale.
    /// </summary>
    public ImmutableDictionary<string, ContainerStats> Stats { get; init; } = ImmutableDictionary<string, ContainerStats>.Empty;

    public static NodeSnapshot Empty(Guid nodeId) =>
        new(nodeId, NodeStatus.Unknown, null, null, null, ImmutableDictionary<string, ContainerState>.Empty);
}
