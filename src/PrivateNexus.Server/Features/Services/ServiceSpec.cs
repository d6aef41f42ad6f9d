namespace PrivateNexus.Server.Features.Services;

public enum RestartPolicy
{
    No,
    Always,
    UnlessStopped,
    OnFailure,
}

public enum PortProtocol
{
    Tcp,
    Udp,
}

/// <summary>
/// The desired shape of a service's containers. Immutable once written: every change is a new
/// <see cref="ServiceRevision"/>. Stored as JSON; secret env values hold Data Protection ciphertext.
/// </summary>
public sealed record ServiceSpec
{
    public required string Image { get; init; }

    public IReadOnlyList<string> Command { get; init; } = [];

    public IReadOnlyList<EnvVar> Env { get; init; } = [];

    public IReadOnlyList<PortMapping> Ports { get; init; } = [];

    public IReadOnlyList<VolumeMount> Volumes { get; init; } = [];

    public int CpuMillicores { get; init; }

    public int MemoryMiB { get; init; }

    public RestartPolicy RestartPolicy { get; init; } = RestartPolicy.UnlessStopped;

    public HealthCheck? HealthCheck { get; init; }

    public int Replicas { get; init; } = 1;
}

/// <summary>An environment variable. For a secret one, <see cref="Value"/> is ciphertext at rest.</summary>
public sealed record EnvVar(string Name, string Value, bool Secret);

public sealed record PortMapping(int ContainerPort, int? HostPort, PortProtocol Protocol);

/// <summary>A named volume (never a host path: isolation policy).</summary>
public sealed record VolumeMount(string Name, string Path, bool ReadOnly);

public sealed record HealthCheck(IReadOnlyList<string> Command, int IntervalSeconds, int TimeoutSeconds, int Retries, int StartPeriodSeconds);
