using PrivateNexus.Server.Common;
using PrivateNexus.Server.Engine;
using PrivateNexus.Server.Features.Deployments;
using PrivateNexus.Server.Features.Nodes;
using PrivateNexus.Server.Features.Services;

namespace PrivateNexus.Server.Dashboard;

/// <summary>Everything the service page shows, read in one scope through the feature services (the rulebook first).</summary>
public sealed record ServiceView(
    Service Service,
    ServiceStatus Status,
    IReadOnlyList<(ContainerState Instance, ContainerStats? Stats)> Instances,
    IReadOnlyList<Deployment> Deployments,
    string? NodeName,
    NodeSnapshot NodeState)
{
    /// <summary>What the signed-in user may do here, as the rulebook would answer: only those actions are offered (the services check again).</summary>
    public ServiceAbilities May { get; init; } = ServiceAbilities.None;

    public static async Task<ServiceView> LoadAsync(DashboardCaller caller, Guid id, CancellationToken cancellationToken)
    {
        await using var scope = await caller.ScopeAsync();
        var provider = scope.ServiceProvider;
        var service = await provider.GetRequiredService<ServiceManager>().GetAsync(id, cancellationToken);
        var runtime = provider.GetRequiredService<ServiceRuntime>();
        var deployments = await provider.GetRequiredService<DeploymentService>().ForServiceAsync(id, new PageRequest(10, CountTotal: false), cancellationToken);

        // Client people do not see nodes (PlacementsAsync says nothing to them); the node's liveness they do see, as the status.
        var placements = await provider.GetRequiredService<NodeService>().PlacementsAsync([service.NodeId], cancellationToken);
        var actor = await provider.GetRequiredService<Authorization.CurrentActor>().GetAsync(cancellationToken);
        return new ServiceView(
            service,
            runtime.Status(service),
            [.. runtime.Instances(service).OrderBy(i => i.Replica).Select(i => (i, runtime.Stats(i)))],
            deployments.Items,
            placements.TryGetValue(service.NodeId, out var node) ? node.Name : null,
            provider.GetRequiredService<StateMirror>().Node(service.NodeId))
        {
            May = ServiceAbilities.Of(actor, service.ClientId),
        };
    }

    /// <summary>Why the status is Unknown, in words: "node offline since 10:42 UTC".</summary>
    public string? NodeProblem => NodeState.Status switch
    {
        NodeStatus.Offline => $"The node {NodeName ?? "running this service"} is offline{Since(NodeState.LastSeenAt)}; the status shown is the last one known.",
        NodeStatus.Unknown => $"The node {NodeName ?? "running this service"} has not been reached yet since the server started.",
        NodeStatus.Degraded => $"The node {NodeName ?? "running this service"} answers slowly or with errors; what is shown may be stale.",
        _ => null,
    };

    private static string Since(DateTimeOffset? lastSeen) =>
        lastSeen is { } t ? $" since {t.UtcDateTime.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture)} UTC" : "";
}
