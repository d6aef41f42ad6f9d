using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PrivateNexus.Server.Authorization;
using PrivateNexus.Server.Common;
using PrivateNexus.Server.Data;
using PrivateNexus.Server.Engine;
using PrivateNexus.Server.Features.Audit;
using PrivateNexus.Server.Features.Nodes;

namespace PrivateNexus.Server.Features.Services;

/// <summary>One line of a followed log, with the instance that wrote it.</summary>
public sealed record ServiceLogLine(ContainerState Instance, LogLine Line);

/// <summary>
/// Follows a service's logs live (the <c>serviceLogs</c> subscription): every instance's stream from
/// its engine, and each new instance (a restart, a new revision) as the mirror sees it appear.
/// Allowed to the same roles as reading logs; asked again every few seconds while it runs, so
/// someone who loses access stops receiving lines. Lines wait in a bounded queue: a reader that
/// falls behind slows the engine streams down rather than growing memory.
/// </summary>
public sealed class ServiceLogFollower(
    PnxDbContext db,
    Rulebook rules,
    StateMirror mirror,
    EngineClientFactory engines,
    IOptions<EngineOptions> options,
    TimeProvider time,
    ILogger<ServiceLogFollower> logger)
{
    public const int DefaultTail = 100;
    private static readonly TimeSpan RecheckEvery = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan WatchEvery = TimeSpan.FromSeconds(1);

    /// <summary>Checks the request now (refusals audited, like any request) and returns the live lines.</summary>
    public async Task<IAsyncEnumerable<ServiceLogLine>> FollowAsync(
        Guid serviceId, int? tail, Func<CancellationToken, Task<Actor>> currentActor, CancellationToken cancellationToken)
    {
        var service = await db.Services.AsNoTracking()
            .Where(s => s.Id == serviceId)
            .Select(s => new { s.ClientId, s.NodeId })
            .SingleOrDefaultAsync(cancellationToken);
        await rules.RequireClientAsync(
            service?.ClientId ?? Guid.Empty, Permission.ServiceLogs, AuditTarget.Of("service", serviceId, service?.ClientId), "Service", cancellationToken);
        if (service is null)
        {
            throw DomainException.NotFound("Service");
        }

        var lines = tail ?? DefaultTail;
        if (lines is < 0 or > ServiceLogReader.MaxTail)
        {
            throw DomainException.BadInput("tail", $"'tail' must be between 0 and {ServiceLogReader.MaxTail}.");
        }

        if (!options.Value.Enabled)
        {
            throw DomainException.Unavailable("This server does not run the engine (Pnx:Engine:Enabled is false), so it cannot follow logs.");
        }

        var node = await db.Nodes.AsNoTracking().SingleAsync(n => n.Id == service.NodeId, cancellationToken);
        if (mirror.Node(node.Id).Status is NodeStatus.Offline or NodeStatus.Unknown)
        {
            throw DomainException.Unavailable("The service's node is not reachable now; its logs cannot be followed.");
        }

        return Follow(node, serviceId, service.ClientId, lines, currentActor, CancellationToken.None);
    }

    private async IAsyncEnumerable<ServiceLogLine> Follow(
        Node node, Guid serviceId, Guid clientId, int tail, Func<CancellationToken, Task<Actor>> currentActor, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var queue = Channel.CreateBounded<ServiceLogLine>(new BoundedChannelOptions(1_000) { SingleReader = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var client = engines.Create(node);
        var engine = new EngineCalls(client, node.Id, options.Value.CallTimeout, options.Value.PullTimeout);
        var watcher = Task.Run(() => WatchInstancesAsync(engine, node.Id, serviceId, tail, queue.Writer, stop.Token), CancellationToken.None);
        var checkedAt = time.GetUtcNow();
        try
        {
            await foreach (var line in queue.Reader.ReadAllAsync(cancellationToken))
            {
                if (time.GetUtcNow() - checkedAt > RecheckEvery)
                {
                    checkedAt = time.GetUtcNow();
                    if (!Rulebook.Allows(await currentActor(cancellationToken), Permission.ServiceLogs, clientId))
                    {
                        yield break;
                    }
                }

                yield return line;
            }
        }
        finally
        {
            await stop.CancelAsync();
            await watcher.ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    /// <summary>Starts following each instance the mirror shows, once: the ones there now from their last lines, later ones from their start.</summary>
    private async Task WatchInstancesAsync(EngineCalls engine, Guid nodeId, Guid serviceId, int tail, ChannelWriter<ServiceLogLine> queue, CancellationToken stop)
    {
        var followed = new Dictionary<string, Task>(StringComparer.Ordinal);
        var first = true;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                foreach (var instance in mirror.ContainersOf(nodeId, serviceId))
                {
                    if (!followed.ContainsKey(instance.Id) && (first || instance.Running))
                    {
                        followed[instance.Id] = FollowInstanceAsync(engine, instance, first ? tail : null, first ? null : instance.StartedAt, queue, stop);
                    }
                }

                first = false;
                await Task.Delay(WatchEvery, time, stop);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }

        await Task.WhenAll(followed.Values).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    private async Task FollowInstanceAsync(
        EngineCalls engine, ContainerState instance, int? tail, DateTimeOffset? since, ChannelWriter<ServiceLogLine> queue, CancellationToken stop)
    {
        try
        {
            await foreach (var line in engine.FollowLogsAsync(instance.Id, tail, since, stop))
            {
                await queue.WriteAsync(new ServiceLogLine(instance, line), stop);
            }
        }
        catch (Exception ex) when (!stop.IsCancellationRequested)
        {
            logger.LogInformation("Stopped following container {Container}: {Error}", instance.Name, ex.Message);
        }
        catch (Exception) when (stop.IsCancellationRequested)
        {
            // Unsubscribed: the engine stream was cut on purpose.
        }
    }
}
