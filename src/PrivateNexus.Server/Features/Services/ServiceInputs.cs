namespace PrivateNexus.Server.Features.Services;

/// <summary>An env var as written by a caller. A secret with a null value keeps the stored one (write-only).</summary>
public sealed record EnvVarInput(string Name, string? Value, bool Secret);

public sealed record ServiceSpecInput(
    string Image,
    IReadOnlyList<string>? Command,
    IReadOnlyList<EnvVarInput>? Env,
    IReadOnlyList<PortMapping>? Ports,
    IReadOnlyList<VolumeMount>? Volumes,
    int CpuMillicores,
    int MemoryMiB,
    RestartPolicy? RestartPolicy,
    HealthCheck? HealthCheck,
    int? Replicas);

/// <summary><see cref="PolicyOverride"/>: a platform admin deploys outside the client's policy (audited).</summary>
public sealed record CreateServiceInput(Guid ClientId, string Name, ServiceSpecInput Spec, Guid? NodeId, DesiredState? DesiredState, bool? PolicyOverride = null);

public sealed record UpdateServiceInput(Guid Id, ServiceSpecInput Spec, int? ExpectedRevision, bool? PolicyOverride = null);

public enum ServiceSort
{
    Name,
    CreatedAt,
    UpdatedAt,
}

public sealed record ServiceFilter(
    Guid? ClientId = null,
    Guid? NodeId = null,
    DesiredState? DesiredState = null,
    string? Search = null,
    ServiceSort Sort = ServiceSort.Name,
    bool Descending = false,
    ServiceStatus? Status = null);
