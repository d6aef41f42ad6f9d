using Microsoft.EntityFrameworkCore;
using PrivateNexus.Server.Data;
using PrivateNexus.Server.Engine;
using Prometheus;

namespace PrivateNexus.Server.Features.Metrics;

/// <summary>
/// Names for the ids the other series carry: <c>pnx_service_info{service, client, service_name, client_slug}</c>
/// and <c>pnx_node_info{node, node_name}</c>, always 1 — joined in PromQL with <c>* on(service) group_left(…)</c>.
/// Ids label the data series because they never change; names are for people and may be renamed.
/// Read from the database at most every <see cref="Refresh"/>, for the services and nodes in the
/// mirror only, so a scrape usually costs no query and the label sets stay bounded.
/// </summary>
public sealed class NameInfoMetrics : IDisposable
{
    private static readonly TimeSpan Refresh = TimeSpan.FromSeconds(30);

    private readonly IServiceScopeFactory _scopes;
    private readonly StateMirror _mirror;
    private readonly TimeProvider _time;
    private readonly ILogger<NameInfoMetrics> _logger;
    private readonly Gauge _services;
    private readonly Gauge _nodes;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private DateTimeOffset _refreshedAt = DateTimeOffset.MinValue;
    private HashSet<Guid> _known = [];

    public NameInfoMetrics(CollectorRegistry registry, IServiceScopeFactory scopes, StateMirror mirror, TimeProvider time, ILogger<NameInfoMetrics> logger)
    {
        (_scopes, _mirror, _time, _logger) = (scopes, mirror, time, logger);
        var factory = Prometheus.Metrics.WithCustomRegistry(registry);
        _services = factory.CreateGauge("pnx_service_info", "Names of the services that have containers: 1 per service.", ["service", "client", "service_name", "client_slug"]);
        _nodes = factory.CreateGauge("pnx_node_info", "Names of the nodes the mirror knows: 1 per node.", ["node", "node_name"]);
        registry.AddBeforeCollectCallback(CollectAsync);
    }

    public void Dispose() => _gate.Dispose();

    private async Task CollectAsync(CancellationToken cancellationToken)
    {
        var nodeIds = _mirror.Nodes.Select(n => n.NodeId).ToHashSet();
        var serviceIds = _mirror.Nodes.SelectMany(n => n.Containers.Values.Select(c => c.ServiceId)).ToHashSet();
        var wanted = nodeIds.Concat(serviceIds).ToHashSet();

        // Refreshed when a service or node appeared or vanished, else every 30 s (renames).
        if (wanted.SetEquals(_known) && _time.GetUtcNow() - _refreshedAt < Refresh)
        {
            return;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            await using var scope = _scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<PnxDbContext>();
            var services = await db.Services.AsNoTracking().Where(s => serviceIds.Contains(s.Id))
                .Select(s => new { s.Id, s.ClientId, s.Name, Slug = s.Client!.Slug }).ToListAsync(cancellationToken);
            var nodes = await db.Nodes.AsNoTracking().Where(n => nodeIds.Contains(n.Id)).Select(n => new { n.Id, n.Name }).ToListAsync(cancellationToken);

            // Rebuilt wholesale: few series, and a rename must not leave the old name behind.
            foreach (var labels in _services.GetAllLabelValues().ToList())
            {
                _services.RemoveLabelled(labels);
            }

            foreach (var labels in _nodes.GetAllLabelValues().ToList())
            {
                _nodes.RemoveLabelled(labels);
            }

            foreach (var s in services)
            {
                _services.WithLabels(s.Id.ToString(), s.ClientId.ToString(), s.Name, s.Slug).Set(1);
            }

            foreach (var n in nodes)
            {
                _nodes.WithLabels(n.Id.ToString(), n.Name).Set(1);
            }

            _known = wanted;
            _refreshedAt = _time.GetUtcNow();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The database away must not fail the scrape: the data series still come from the mirror.
            _logger.LogWarning("Metrics: service and node names could not be read: {Error}", ex.Message);
        }
        finally
        {
            _gate.Release();
        }
    }
}
