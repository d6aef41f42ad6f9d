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
    string Version, string ApiVersion, string OperatingSystem, string Architecture, int Cpus, long MemoryBytes, string SwarmRole);

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
