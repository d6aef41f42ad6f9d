using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PrivateNexus.Server.Data;

namespace PrivateNexus.Server.Engine;

/// <summary>Runs one <see cref="NodeAgent"/> per registered node, starting and stopping them as nodes come and go.</summary>
public sealed class EngineSupervisor(
    IServiceScopeFactory scopes,
    StateMirror mirror,
    EngineClientFactory clients,
    ReconcileSignals signals,
    IOptions<EngineOptions> options,
    TimeProvider time,
    NodeLeases leases,
    ILoggerFactory loggers) : BackgroundService
{
    private readonly Dictionary<Guid, (NodeAgent Agent, CancellationTokenSource Stop, Task Run, long Version)> _agents = [];
    private readonly SemaphoreSlim _changed = new(0);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        signals.NodesChanged += OnNodesChanged;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await SyncAgentsAsync(stoppingToken);
                await _changed.WaitAsync(TimeSpan.FromSeconds(10), stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            signals.NodesChanged -= OnNodesChanged;
            foreach (var (nodeId, agent) in _agents.ToList())
            {
                await agent.Stop.CancelAsync();
                await agent.Run.ContinueWith(_ => { }, TaskScheduler.Default);
                agent.Stop.Dispose();
                signals.Unlisten(nodeId);
            }
        }
    }

    public override void Dispose()
    {
        _changed.Dispose();
        base.Dispose();
    }

    private void OnNodesChanged() => _changed.Release();

    private async Task SyncAgentsAsync(CancellationToken stoppingToken)
    {
        Dictionary<Guid, long> nodes;
        await using (var scope = scopes.CreateAsyncScope())
        {
            nodes = await scope.ServiceProvider.GetRequiredService<PnxDbContext>().Nodes.ToDictionaryAsync(n => n.Id, n => n.Version, stoppingToken);
        }

        // Gone nodes stop; changed ones (endpoint, TLS material) restart with a fresh session.
        foreach (var (nodeId, agent) in _agents.Where(a => !nodes.TryGetValue(a.Key, out var version) || version != a.Value.Version).ToList())
        {
            await agent.Stop.CancelAsync();
            await agent.Run.ContinueWith(_ => { }, TaskScheduler.Default);
            agent.Stop.Dispose();
            _agents.Remove(nodeId);
            signals.Unlisten(nodeId);
            if (!nodes.ContainsKey(nodeId))
            {
                mirror.Forget(nodeId);
                await leases.ReleaseAsync(nodeId);
            }
        }

        foreach (var (nodeId, version) in nodes.Where(n => !_agents.ContainsKey(n.Key)))
        {
            var agent = new NodeAgent(nodeId, scopes, mirror, clients, options.Value, time, loggers.CreateLogger<NodeAgent>());
            var stop = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            _agents[nodeId] = (agent, stop, Task.Run(() => agent.RunAsync(stop.Token), CancellationToken.None), version);
            signals.Listen(nodeId, agent.Poke);
        }
    }
}
