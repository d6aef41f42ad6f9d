using Docker.DotNet.Models;
using Microsoft.Extensions.Options;
using PrivateNexus.Server.Common;
using PrivateNexus.Server.Features.Services;
using HealthCheck = PrivateNexus.Server.Features.Services.HealthCheck;
using RestartPolicy = PrivateNexus.Server.Features.Services.RestartPolicy;
using ServiceSpec = PrivateNexus.Server.Features.Services.ServiceSpec;

namespace PrivateNexus.Server.Engine;

/// <summary>What the reconciler needs to know about a service on its node.</summary>
public sealed record DesiredService(
    Guid Id, Guid ClientId, string ClientSlug, string Name, int Revision, int RestartGeneration, ServiceSpec Spec, bool Run, RestartPolicy RestartPolicy)
{
    /// <summary>Runs as a Swarm service: replicas &gt; 1 on a node that is a swarm manager (else as containers).</summary>
    public bool Swarm { get; init; }
}

/// <summary>
/// Turns a service's spec into the engine's container parameters, with the isolation the policy
/// promises built in: the client's own network, its own prefixed named volumes, limits always set,
/// no privileges, no new privileges. Secrets are decrypted only here, on the way to the engine.
/// </summary>
public sealed partial class ContainerSpecBuilder(SecretProtector secrets, IOptions<EngineOptions> options)
{
    public CreateContainerParameters Build(Guid nodeId, DesiredService service, int replica)
    {
        var spec = service.Spec;
        var suffix = Guid.NewGuid().ToString("N")[..6];
        return new CreateContainerParameters
        {
            Name = $"pnx-{service.ClientSlug}-{service.Name}-{replica}-r{service.Revision}-{suffix}",
            Image = spec.Image,
            Cmd = spec.Command.Count > 0 ? [.. spec.Command] : null!,
            Env = Env(spec),
            Labels = new Dictionary<string, string>(Labels(nodeId, service))
            {
                [OwnershipLabels.Replica] = replica.ToString(System.Globalization.CultureInfo.InvariantCulture),
            },
            ExposedPorts = spec.Ports.ToDictionary(PortKey, _ => default(EmptyStruct)),
            Healthcheck = spec.HealthCheck is { } check ? Health(check) : null,
            HostConfig = new HostConfig
            {
                Memory = spec.MemoryMiB * 1024L * 1024L,
                NanoCPUs = spec.CpuMillicores * 1_000_000L,
                PidsLimit = 4096,
                Privileged = false,
                SecurityOpt = ["no-new-privileges"],
                NetworkMode = OwnershipLabels.NetworkName(service.ClientSlug),
                RestartPolicy = new Docker.DotNet.Models.RestartPolicy { Name = Restart(service.RestartPolicy) },
                PortBindings = spec.Ports.Where(p => p.HostPort is not null).ToDictionary(
                    PortKey,
                    p => (IList<PortBinding>)[new PortBinding { HostIP = options.Value.PublishAddress, HostPort = p.HostPort!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture) }]),
                Mounts = Mounts(service),
            },
        };
    }

    /// <summary>Secrets are decrypted only here, on their way to the engine.</summary>
    private List<string> Env(ServiceSpec spec) => [.. spec.Env.Select(e => $"{e.Name}={(e.Secret ? secrets.Unprotect(e.Value) : e.Value)}")];

    /// <summary>What says a container (or swarm service) is ours, and which service, revision and restart it runs.</summary>
    private static Dictionary<string, string> Labels(Guid nodeId, DesiredService service) => new()
    {
        [OwnershipLabels.Managed] = "true",
        [OwnershipLabels.Node] = nodeId.ToString(),
        [OwnershipLabels.Client] = service.ClientId.ToString(),
        [OwnershipLabels.Service] = service.Id.ToString(),
        [OwnershipLabels.Revision] = service.Revision.ToString(System.Globalization.CultureInfo.InvariantCulture),
        [OwnershipLabels.RestartGeneration] = service.RestartGeneration.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>Named volumes only, prefixed with the client.</summary>
    private static List<Mount> Mounts(DesiredService service) => [.. service.Spec.Volumes.Select(v => new Mount
    {
        Type = "volume",
        Source = OwnershipLabels.VolumeName(service.ClientSlug, v.Name),
        Target = v.Path,
        ReadOnly = v.ReadOnly,
    })];

    private static string PortKey(PortMapping p) => $"{p.ContainerPort}/{(p.Protocol == PortProtocol.Udp ? "udp" : "tcp")}";

    private static Docker.DotNet.Models.HealthcheckConfig Health(HealthCheck check) => new()
    {
        Test = check.Command.Count > 0 && check.Command[0] is "CMD" or "CMD-SHELL" ? [.. check.Command] : ["CMD", .. check.Command],
        Interval = TimeSpan.FromSeconds(check.IntervalSeconds),
        Timeout = TimeSpan.FromSeconds(check.TimeoutSeconds),
        Retries = check.Retries,
        StartPeriod = TimeSpan.FromSeconds(check.StartPeriodSeconds),
    };

    private static RestartPolicyKind Restart(RestartPolicy policy) => policy switch
    {
        RestartPolicy.Always => RestartPolicyKind.Always,
        RestartPolicy.OnFailure => RestartPolicyKind.OnFailure,
        RestartPolicy.No => RestartPolicyKind.No,
        _ => RestartPolicyKind.UnlessStopped,
    };
}
