using System.Globalization;
using Docker.DotNet.Models;
using PrivateNexus.Server.Features.Services;
using RestartPolicy = PrivateNexus.Server.Features.Services.RestartPolicy;

namespace PrivateNexus.Server.Engine;

/// <summary>
/// The same service, as a Swarm service spec: the same labels (on the service, and on its container
/// spec so that every task's container carries them), limits, env, volumes, health check and
/// network, with Swarm's rolling updates (start-first, rolled back by Swarm when new tasks fail).
/// </summary>
public sealed partial class ContainerSpecBuilder
{
    /// <summary>Swarm service names are DNS labels of at most 63 characters.</summary>
    private const int MaxServiceName = 63;

    /// <summary>
    /// <paramref name="swarmNodeId"/>: the engine's own swarm node. Tasks are placed on it only: the state
    /// mirror follows this engine's containers, so a task Swarm put elsewhere would be invisible to it.
    /// <paramref name="network"/>: the client's attachable overlay network.
    /// </summary>
    public Docker.DotNet.Models.ServiceSpec BuildSwarmService(Guid nodeId, DesiredService service, string swarmNodeId, string network)
    {
        var spec = service.Spec;
        var labels = Labels(nodeId, service);
        var rolling = new SwarmUpdateConfig
        {
            Parallelism = 1,
            Order = "start-first",
            FailureAction = "rollback",
            Monitor = TimeSpan.FromSeconds(5),
            MaxFailureRatio = 0,
        };
        return new Docker.DotNet.Models.ServiceSpec
        {
            Name = SwarmServiceName(service),
            Labels = labels,
            Mode = new ServiceMode { Replicated = new ReplicatedService { Replicas = service.Run ? (ulong)spec.Replicas : 0 } },
            TaskTemplate = new TaskSpec
            {
                ContainerSpec = new ContainerSpec
                {
                    Image = spec.Image,
                    Command = spec.Command.Count > 0 ? [.. spec.Command] : null!,
                    Env = Env(spec),
                    Labels = labels,
                    Mounts = Mounts(service),
                    Healthcheck = spec.HealthCheck is { } check ? Health(check) : null,

                    // Engines before API 1.46 ignore it (Docker 20.10 is 1.41): see docs/engine.md.
                    Privileges = new Privileges { NoNewPrivileges = true },

                    // httpd or sleep as PID 1 ignore SIGTERM; the same grace as our own stops.
                    StopGracePeriod = TimeSpan.FromSeconds(5),
                },
                Resources = new ResourceRequirements
                {
                    Limits = new SwarmLimit
                    {
                        MemoryBytes = spec.MemoryMiB * 1024L * 1024L,
                        NanoCPUs = spec.CpuMillicores * 1_000_000L,
                        Pids = 4096,
                    },
                },
                RestartPolicy = new SwarmRestartPolicy { Condition = SwarmRestart(service.RestartPolicy) },
                Placement = new Placement { Constraints = [$"node.id=={swarmNodeId}"] },
                Networks = [new NetworkAttachmentConfig { Target = network }],
            },
            UpdateConfig = rolling,
            RollbackConfig = new SwarmUpdateConfig
            {
                Parallelism = 0,
                Order = "start-first",
                FailureAction = "pause",
                Monitor = TimeSpan.FromSeconds(5),
            },

            // No IPVS is assumed: the routing mesh (ingress) and virtual IPs need it. Peers reach the
            // service by its name (DNS round robin over its tasks); host ports are bound by each task.
            EndpointSpec = new EndpointSpec
            {
                Mode = "dnsrr",
                Ports = [.. spec.Ports.Where(p => p.HostPort is not null).Select(p => new PortConfig
                {
                    Protocol = p.Protocol == PortProtocol.Udp ? "udp" : "tcp",
                    TargetPort = (uint)p.ContainerPort,
                    PublishedPort = (uint)p.HostPort!.Value,
                    PublishMode = "host",
                })],
            },
        };
    }

    /// <summary><c>pnx-&lt;client&gt;-&lt;service&gt;</c>, or, when that is too long for Swarm, a shortened form made unique by the service id.</summary>
    public static string SwarmServiceName(DesiredService service)
    {
        var name = $"pnx-{service.ClientSlug}-{service.Name}";
        if (name.Length <= MaxServiceName)
        {
            return name;
        }

        var id = service.Id.ToString("N")[..8];
        return $"{name[..(MaxServiceName - id.Length - 1)].TrimEnd('-')}-{id}";
    }

    private static string SwarmRestart(RestartPolicy policy) => policy switch
    {
        RestartPolicy.No => "none",
        RestartPolicy.OnFailure => "on-failure",

        // Swarm has no "unless stopped": a stopped service is scaled to 0, so "any" is the same.
        _ => "any",
    };

    public static ulong? Replicas(Docker.DotNet.Models.ServiceSpec? spec) => spec?.Mode?.Replicated?.Replicas;

    public static int LabelInt(IDictionary<string, string>? labels, string key) =>
        labels is not null && labels.TryGetValue(key, out var text) && int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : -1;
}
