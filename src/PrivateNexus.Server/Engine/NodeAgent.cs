using System.Threading.Channels;
using Docker.DotNet.Models;
using Microsoft.EntityFrameworkCore;
using PrivateNexus.Server.Data;

namespace PrivateNexus.Server.Engine;

/// <summary>
/// Keeps one node's mirror true and its containers converged: connects, resyncs, follows the
/// engine's event stream (resuming with <c>since</c> after a disconnect so no transition is lost),
/// reconciles on every change and periodically, and marks the node offline while it cannot reach
/// it — retrying with backoff. One agent per node, each on its own; a hanging node stalls only itself.
/// </summary>
public sealed class NodeAgent(
    Guid nodeId,
    IServiceScopeFactory scopes,
    StateMirror mirror,
    EngineClientFactory clients,
    EngineOptions options,
    TimeProvider time,
    ILogger logger)
{
    // "cleanup" is Podman's last event for a container that exited, once its state is final (its
    // "die" and "stop" may come while it is still "stopping"); Docker has no such event.
    private static readonly string[] Watched = ["create", "start", "restart", "die", "stop", "kill", "oom", "destroy", "pause", "unpause", "health_status", "cleanup"];
    private readonly Channel<bool> _poke = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly OwnActions _own = new(time);
    private readonly StatsSampler _stats = new(nodeId, mirror, options, time, logger);
    private long? _since;
    private Features.Metrics.ServerMetrics? _metrics;

    // Events count up; each container remembers the count of its latest event. A resync keeps the
    // mirror's entry for any container an event touched while the resync was reading the engine.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _touched = new(StringComparer.Ordinal);
    private long _events;

    public Guid NodeId => nodeId;

    /// <summary>Asks for a reconcile pass as soon as possible (coalesced).</summary>
    public void Poke() => _poke.Writer.TryWrite(true);

    public async Task RunAsync(CancellationToken stopping)
    {
        var backoff = TimeSpan.FromSeconds(1);
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await SessionAsync(stopping);
                backoff = TimeSpan.FromSeconds(1);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (NodeGoneException)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogWarning("Node {Node} unreachable: {Error}", nodeId, ex.Message);
                _metrics?.EngineError(nodeId, "session");
                mirror.Update(nodeId, n => n with { Status = NodeStatus.Offline, LastError = ex.Message });
                await Task.Delay(backoff, time, stopping).ContinueWith(_ => { }, TaskScheduler.Default);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
            }
        }
    }

    private async Task SessionAsync(CancellationToken stopping)
    {
        Features.Nodes.Node node;
        await using (var scope = scopes.CreateAsyncScope())
        {
            node = await scope.ServiceProvider.GetRequiredService<PnxDbContext>().Nodes.AsNoTracking()
                .SingleOrDefaultAsync(n => n.Id == nodeId, stopping) ?? throw new NodeGoneException();
            _metrics = scope.ServiceProvider.GetService<Features.Metrics.ServerMetrics>();
        }

        using var client = clients.Create(node);
        var engine = new EngineCalls(client, nodeId, options.CallTimeout, options.PullTimeout) { Metrics = _metrics };
        await ResyncAsync(engine, stopping);
        logger.LogInformation("Node {Name} online", node.Name);

        using var session = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        var events = WatchAsync(engine, session.Token);
        var loop = LoopAsync(engine, session.Token);

        // Not raced with the others: sampling never ends a session (it returns at once when turned off).
        var stats = _stats.RunAsync(engine, session.Token);
        var first = await Task.WhenAny(events, loop);
        await session.CancelAsync();
        await Task.WhenAll(events, loop, stats).ContinueWith(_ => { }, TaskScheduler.Default);
        await first;
    }

    private async Task ResyncAsync(EngineCalls engine, CancellationToken cancellationToken)
    {
        var started = Interlocked.Read(ref _events);
        var info = await engine.InfoAsync(cancellationToken);
        var containers = await engine.ListOursAsync(cancellationToken);
        var now = time.GetUtcNow();
        mirror.Update(nodeId, n =>
        {
            // What an event saw during the resync is newer than what the resync read: keep it.
            foreach (var (id, seen) in _touched)
            {
                if (seen <= started)
                {
                    continue;
                }

                if (n.Containers.TryGetValue(id, out var newer))
                {
                    containers[id] = newer;
                }
                else
                {
                    containers.Remove(id);
                }
            }

            return n with
            {
                Status = NodeStatus.Online,
                LastSeenAt = now,
                LastError = null,
                Engine = info,
                Containers = System.Collections.Immutable.ImmutableDictionary.CreateRange(StringComparer.Ordinal, containers),
            };
        });

        foreach (var (id, seen) in _touched)
        {
            if (seen <= started)
            {
                _touched.TryRemove(new KeyValuePair<string, long>(id, seen));
            }
        }
    }

    /// <summary>Follows container events until the stream breaks; resumes from the last event seen.</summary>
    private async Task WatchAsync(EngineCalls engine, CancellationToken cancellationToken)
    {
        var messages = Channel.CreateUnbounded<Message>(new UnboundedChannelOptions { SingleReader = true });
        var parameters = new ContainerEventsParameters
        {
            Since = _since?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? time.GetUtcNow().ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
            Filters = new Dictionary<string, IDictionary<string, bool>>(engine.OursFilter())
            {
                ["type"] = new Dictionary<string, bool> { ["container"] = true },
            },
        };
        var stream = engine.Client.System.MonitorEventsAsync(parameters, new Progress<Message>(m => messages.Writer.TryWrite(m)), cancellationToken)
            .ContinueWith(t => messages.Writer.TryComplete(t.Exception?.GetBaseException()), TaskScheduler.Default);

        await foreach (var message in messages.Reader.ReadAllAsync(cancellationToken))
        {
            _since = message.Time;
            var action = message.Action.Split(':')[0];

            // Podman calls a container's removal "remove" where Docker says "destroy".
            action = action == "remove" ? "destroy" : action;
            if (!Watched.Contains(action))
            {
                continue;
            }

            await OnContainerEventAsync(engine, message.Actor.ID, action, cancellationToken);
        }

        await stream;
        throw new InvalidOperationException("The engine closed its event stream.");
    }

    private async Task OnContainerEventAsync(EngineCalls engine, string containerId, string action, CancellationToken cancellationToken)
    {
        // Marked before reading the engine, so a resync finishing meanwhile defers to this event.
        _touched[containerId] = Interlocked.Increment(ref _events);
        var before = mirror.Node(nodeId).Containers.GetValueOrDefault(containerId);
        var (state, stopping) = action == "destroy" ? (null, false) : await engine.InspectStoppingAsync(containerId, cancellationToken);
        var now = time.GetUtcNow();

        // A reading taken while Podman is stopping the container ("stop" and "die" come then) is stale
        // by the time it lands, and could overwrite the final state the stopper read back: keep the
        // mirror as it is; the "cleanup" event that follows brings the final state.
        mirror.Update(nodeId, n => n with
        {
            LastSeenAt = now,
            Containers = stopping ? n.Containers : state is null ? n.Containers.Remove(containerId) : n.Containers.SetItem(containerId, state),
        });

        // Gone is removed, whichever event told us: Podman removes a container before its "remove"
        // event, and an inspect on its "die" or "cleanup" already finds nothing.
        // Swarm stops and removes its tasks' containers itself (rollouts, scaling, history): for a
        // swarm service, drift is what changed the service, which the reconciler sees.
        var removed = state is null;
        if (before is { SwarmService: null } && (removed || action == "stop") && !_own.WasOurs(containerId))
        {
            await using var scope = scopes.CreateAsyncScope();

            // The holder's own stops are not drift; it alone reports, so one drift is one audit entry.
            if (!scope.ServiceProvider.GetRequiredService<NodeLeases>().Holds(nodeId))
            {
                Poke();
                return;
            }

            await scope.ServiceProvider.GetRequiredService<Reconciler>().ReportDriftAsync(
                before, removed ? "removed outside PrivateNexus" : "stopped outside PrivateNexus", cancellationToken);
        }

        Poke();
    }

    private async Task LoopAsync(EngineCalls engine, CancellationToken cancellationToken)
    {
        var nextResync = time.GetUtcNow() + options.ResyncInterval;
        Poke();
        while (true)
        {
            using (var tick = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                tick.CancelAfter(options.ReconcileInterval);
                try
                {
                    await _poke.Reader.ReadAsync(tick.Token);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    // The periodic pass.
                }
            }

            await using (var scope = scopes.CreateAsyncScope())
            {
                // Every replica watches; only the lease holder converges (see NodeLeases).
                if (scope.ServiceProvider.GetRequiredService<NodeLeases>().Holds(nodeId))
                {
                    var started = System.Diagnostics.Stopwatch.GetTimestamp();
                    var ok = false;
                    try
                    {
                        await scope.ServiceProvider.GetRequiredService<Reconciler>().ConvergeAsync(nodeId, engine, _own, cancellationToken);
                        ok = true;
                    }
                    finally
                    {
                        // A failed pass ends the session (the agent reconnects); counted either way, but not a shutdown.
                        if (!cancellationToken.IsCancellationRequested)
                        {
                            _metrics?.ReconcilePass(nodeId, ok, System.Diagnostics.Stopwatch.GetElapsedTime(started));
                        }
                    }
                }
            }

            if (time.GetUtcNow() >= nextResync)
            {
                try
                {
                    await ResyncAsync(engine, cancellationToken);
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                {
                    // The event stream still runs: the node is slow, not gone. Readers see it as degraded.
                    logger.LogWarning("Resync of node {Node} failed: {Error}", nodeId, ex.Message);
                    _metrics?.EngineError(nodeId, "resync");
                    mirror.Update(nodeId, n => n with { Status = NodeStatus.Degraded, LastError = ex.Message });
                }

                nextResync = time.GetUtcNow() + options.ResyncInterval;
            }
        }
    }

    private sealed class NodeGoneException : Exception;
}
