using System.Globalization;
using PrivateNexus.Server.Engine;
using PrivateNexus.Server.Features.Clients;
using PrivateNexus.Server.Features.Metrics;
using PrivateNexus.Server.Features.Nodes;
using PrivateNexus.Server.Features.Services;

namespace PrivateNexus.Server.Features.Alerts;

/// <summary>One target as a rule sees it now. <see cref="Holds"/> null: cannot tell (its node is offline), so its alert is left as it is.</summary>
public sealed record Observation(AlertTargetType Type, Guid Id, string Name, bool? Holds, double? Value, string Summary);

/// <summary>What the evaluation reads once per round from the database: services (with their clients), nodes, clients.</summary>
public sealed record AlertWorld(IReadOnlyList<Service> Services, IReadOnlyList<Node> Nodes, IReadOnlyList<Client> Clients);

/// <summary>
/// Turns a rule into observations of its targets: from the state mirror (down, unhealthy, node
/// offline), the restart tracker (restart loop), Prometheus (CPU, memory: one query per rule,
/// grouped by service) and the clients' quotas (allocations against quota, as the policy counts them).
/// Throws <see cref="PrometheusUnavailableException"/> for Prometheus kinds when it cannot answer.
/// </summary>
public sealed class AlertConditions(StateMirror mirror, RestartTracker restarts, PrometheusClient prometheus)
{
    private const double MiB = 1024 * 1024;

    public async Task<IReadOnlyList<Observation>> ObserveAsync(AlertRule rule, AlertWorld world, CancellationToken cancellationToken)
    {
        switch (rule.Kind)
        {
            case AlertKind.NodeOffline:
                return [.. world.Nodes.Select(NodeOffline)];
            case AlertKind.QuotaNearlyUsed:
                return [.. world.Clients.Where(c => rule.ClientId is null || c.Id == rule.ClientId)
                    .Select(c => Quota(c, world.Services.Where(s => s.ClientId == c.Id).ToList(), rule.Threshold ?? 90))];
            case AlertKind.CpuHigh or AlertKind.MemoryHigh:
                return await ResourceAsync(rule, ServicesOf(rule, world), cancellationToken);
            default:
                return [.. ServicesOf(rule, world).Select(s => Service(rule, s))];
        }
    }

    private static List<Service> ServicesOf(AlertRule rule, AlertWorld world) =>
        [.. world.Services.Where(s => (rule.ClientId is null || s.ClientId == rule.ClientId) && (rule.ServiceId is null || s.Id == rule.ServiceId))];

    private static string NameOf(Service service) => $"{service.Client?.Slug}/{service.Name}";

    /// <summary>Services not meant to run (stopped, client suspended) never hold.</summary>
    private static bool MeantToRun(Service service) => service.DesiredState == DesiredState.Running && service.Client?.Status != ClientStatus.Suspended;

    private Observation Service(AlertRule rule, Service service)
    {
        var name = NameOf(service);
        if (rule.Kind == AlertKind.RestartLoop)
        {
            var count = restarts.RestartsWithin(service.Id, rule.Window);
            var threshold = rule.Threshold ?? 3;
            return new(AlertTargetType.Service, service.Id, name, MeantToRun(service) && count >= threshold, count,
                string.Create(CultureInfo.InvariantCulture, $"Service {name} restarted {count} time(s) in the last {AlertDurations.Format(rule.Window)} (threshold {threshold})."));
        }

        var node = mirror.Node(service.NodeId);
        if (node.Status is NodeStatus.Offline or NodeStatus.Unknown)
        {
            return new(AlertTargetType.Service, service.Id, name, null, null, $"The node of service {name} cannot be reached.");
        }

        var containers = mirror.ContainersOf(service.NodeId, service.Id);
        if (rule.Kind == AlertKind.Unhealthy)
        {
            var unhealthy = containers.Count(c => c.Health == "unhealthy");
            return new(AlertTargetType.Service, service.Id, name, MeantToRun(service) && unhealthy > 0, unhealthy,
                $"Service {name} has {unhealthy} unhealthy container(s) of {containers.Count}.");
        }

        var running = containers.Count(c => c.Running);
        return new(AlertTargetType.Service, service.Id, name, MeantToRun(service) && running == 0, running,
            running == 0 ? $"Service {name} has no running container." : $"Service {name} has {running} running container(s).");
    }

    private Observation NodeOffline(Node node)
    {
        var snapshot = mirror.Node(node.Id);
        bool? holds = snapshot.Status switch
        {
            NodeStatus.Offline => true,
            NodeStatus.Unknown => null,
            _ => false,
        };
        var summary = snapshot.Status == NodeStatus.Offline
            ? $"Node {node.Name} is offline (last seen {snapshot.LastSeenAt?.ToString("u", CultureInfo.InvariantCulture) ?? "never"}): {snapshot.LastError}"
            : $"Node {node.Name} is {snapshot.Status.ToString().ToLowerInvariant()}.";
        return new(AlertTargetType.Node, node.Id, node.Name, holds, null, summary);
    }

    private static Observation Quota(Client client, List<Service> services, double threshold)
    {
        static double Share(long used, int quota) => quota <= 0 ? (used > 0 ? 100 : 0) : 100.0 * used / quota;
        var cpu = services.Sum(s => (long)s.Spec.CpuMillicores * s.Spec.Replicas);
        var memory = services.Sum(s => (long)s.Spec.MemoryMiB * s.Spec.Replicas);
        var shares = new (string What, double Percent, string Detail)[]
        {
            ("CPU", Share(cpu, client.Quota.CpuMillicores), $"{cpu} of {client.Quota.CpuMillicores} millicores"),
            ("memory", Share(memory, client.Quota.MemoryMiB), $"{memory} of {client.Quota.MemoryMiB} MiB"),
            ("services", Share(services.Count, client.Quota.Services), $"{services.Count} of {client.Quota.Services} services"),
        };
        var top = shares.MaxBy(s => s.Percent);
        return new(AlertTargetType.Client, client.Id, client.Slug, top.Percent >= threshold, Math.Round(top.Percent, 2),
            string.Create(CultureInfo.InvariantCulture, $"Client {client.Slug} has allocated {top.Percent:0.#}% of its {top.What} quota ({top.Detail})."));
    }

    private async Task<IReadOnlyList<Observation>> ResourceAsync(AlertRule rule, List<Service> services, CancellationToken cancellationToken)
    {
        var cpu = rule.Kind == AlertKind.CpuHigh;
        var metric = cpu ? PromQL.Cpu : PromQL.Memory;
        var matchers = new List<(string, string)>();
        if (rule.ClientId is { } clientId)
        {
            matchers.Add(("client", clientId.ToString()));
        }

        if (rule.ServiceId is { } serviceId)
        {
            matchers.Add(("service", serviceId.ToString()));
        }

        var selector = PromQL.Selector(metric, matchers);
        var promql = cpu ? PromQL.RateBy(selector, rule.Window, "service") : PromQL.GaugeBy(selector, "service");
        var used = await prometheus.VectorAsync(promql, "service", cancellationToken);
        var threshold = rule.Threshold ?? 90;
        var result = new List<Observation>();
        foreach (var service in services)
        {
            var limit = cpu ? service.Spec.CpuMillicores / 1000.0 * service.Spec.Replicas : service.Spec.MemoryMiB * MiB * service.Spec.Replicas;
            if (limit <= 0)
            {
                continue;
            }

            var percent = 100 * used.GetValueOrDefault(service.Id.ToString()) / limit;
            var name = NameOf(service);
            result.Add(new(AlertTargetType.Service, service.Id, name, MeantToRun(service) && percent >= threshold, Math.Round(percent, 2),
                string.Create(CultureInfo.InvariantCulture, $"Service {name} uses {percent:0.#}% of its {(cpu ? "CPU" : "memory")} limit (threshold {threshold:0.#}%).")));
        }

        return result;
    }
}
