using PrivateNexus.Server.Authorization;
using PrivateNexus.Server.Common;
using PrivateNexus.Server.Engine;
using PrivateNexus.Server.Features.Clients;
using PrivateNexus.Server.Features.Nodes;
using PrivateNexus.Server.Features.Services;

namespace PrivateNexus.Server.Dashboard;

public sealed record NodeAttention(Node Node, NodeSnapshot State);

public sealed record QuotaAttention(Client Client, string What, double Used);

/// <summary>
/// What needs someone's attention, limited to what the signed-in user may see (every list through its
/// feature service): failing or unreachable services, offline nodes (staff), quotas nearly used.
/// </summary>
public sealed record AttentionView(
    IReadOnlyList<ServiceRow> Failing,
    IReadOnlyList<ServiceRow> Unknown,
    IReadOnlyList<NodeAttention> Nodes,
    IReadOnlyList<QuotaAttention> Quotas,
    IReadOnlyList<AttentionSection> Sections,
    int ServiceCount)
{
    /// <summary>A quota counts as nearly used from this share on.</summary>
    public const double NearlyUsed = 0.8;

    public bool AllWell => Failing.Count == 0 && Unknown.Count == 0 && Nodes.Count == 0 && Quotas.Count == 0
        && Sections.All(s => s.Items.Count == 0 && s.Unavailable is null);

    public static async Task<AttentionView> LoadAsync(DashboardCaller caller, CancellationToken cancellationToken)
    {
        var failing = await ServiceRows.LoadAsync(caller, new ServiceFilter(Status: ServiceStatus.Failing), 0, 20, cancellationToken);
        var unknown = await ServiceRows.LoadAsync(caller, new ServiceFilter(Status: ServiceStatus.Unknown), 0, 20, cancellationToken);
        var all = await ServiceRows.LoadAsync(caller, new ServiceFilter(), 0, 1, cancellationToken);

        await using var scope = await caller.ScopeAsync();
        var provider = scope.ServiceProvider;
        var actor = await provider.GetRequiredService<CurrentActor>().GetAsync(cancellationToken);
        var nodes = new List<NodeAttention>();
        if (NodeService.MayRead(actor))
        {
            var mirror = provider.GetRequiredService<StateMirror>();
            nodes.AddRange((await provider.GetRequiredService<NodeService>().ListAsync(cancellationToken))
                .Select(n => new NodeAttention(n, mirror.Node(n.Id)))
                .Where(n => n.State.Status is not NodeStatus.Online || n.Node.Drained));
        }

        // Every active client the user may see, page by page (quotas of the 101st count too).
        var clients = new List<Client>();
        string? after = null;
        do
        {
            var page = await provider.GetRequiredService<ClientService>()
                .ListAsync(new ClientFilter(Status: ClientStatus.Active), new PageRequest(PageRequest.MaxPageSize, after, CountTotal: false), cancellationToken);
            clients.AddRange(page.Items);
            after = page.HasNextPage ? page.CursorAt(page.Items.Count - 1) : null;
        }
        while (after is not null);
        var services = await provider.GetRequiredService<ServiceManager>().ListForClientsAsync([.. clients.Select(c => c.Id)], cancellationToken);
        var quotas = new List<QuotaAttention>();
        foreach (var client in clients)
        {
            var specs = services[client.Id].Select(s => s.Spec).ToList();
            Check(client, "services", specs.Count, client.Quota.Services);
            Check(client, "CPU", specs.Sum(s => (long)s.CpuMillicores * s.Replicas), client.Quota.CpuMillicores);
            Check(client, "memory", specs.Sum(s => (long)s.MemoryMiB * s.Replicas), client.Quota.MemoryMiB);
        }

        // Other features' sections (alerts …), read as the user; one that fails says so and the rest still shows.
        var sections = await AttentionSources.ReadAsync(
            provider.GetServices<IAttentionSource>(), provider, provider.GetRequiredService<ILogger<AttentionView>>(), cancellationToken);
        return new AttentionView(failing.Items, unknown.Items, nodes, quotas, sections, all.TotalCount ?? 0);

        void Check(Client client, string what, long used, long quota)
        {
            if (quota > 0 && (double)used / quota >= NearlyUsed)
            {
                quotas.Add(new QuotaAttention(client, what, (double)used / quota));
            }
        }
    }
}
