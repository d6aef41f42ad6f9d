using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PrivateNexus.Server.Authorization;
using PrivateNexus.Server.Common;
using PrivateNexus.Server.Data;
using PrivateNexus.Server.Engine;
using PrivateNexus.Server.Features.Audit;

namespace PrivateNexus.Server.Features.Services;

/// <summary>What a caller asks of <see cref="ServiceLogReader.ReadAsync"/>; nulls take the defaults.</summary>
public sealed record LogRequest(int? Tail, DateTimeOffset? Since, DateTimeOffset? Until, int? MaxBytes);

public sealed record ServiceLogs(bool Truncated, IReadOnlyList<InstanceLog> Instances);

public sealed record InstanceLog(ContainerState Instance, bool Truncated, IReadOnlyList<LogLine> Lines);

/// <summary>
/// A service's container logs. Unlike status and stats, logs are not mirrored: this is an explicit,
/// bounded read of the engine (like <c>testNode</c>), so one call reads at most <c>maxBytes</c> and
/// waits at most the engine call timeout. A node known to be offline is not even tried: the caller
/// hears so at once (UNAVAILABLE), never a hang.
/// </summary>
public sealed class ServiceLogReader(
    PnxDbContext db,
    Rulebook rules,
    StateMirror mirror,
    EngineClientFactory engines,
    IOptions<EngineOptions> options,
    ILogger<ServiceLogReader> logger)
{
    public const int DefaultTail = 200;
    public const int MaxTail = 5000;
    public const int DefaultMaxBytes = 256 * 1024;
    public const int MaxMaxBytes = 4 * 1024 * 1024;

    public async Task<ServiceLogs> ReadAsync(Guid serviceId, LogRequest request, CancellationToken cancellationToken)
    {
        var service = await db.Services.AsNoTracking()
            .Where(s => s.Id == serviceId)
            .Select(s => new { s.ClientId, s.NodeId })
            .SingleOrDefaultAsync(cancellationToken);
        var actor = await rules.RequireClientAsync(
            service?.ClientId ?? Guid.Empty, Permission.ServiceLogs, AuditTarget.Of("service", serviceId, service?.ClientId), "Service", cancellationToken);
        if (service is null)
        {
            throw DomainException.NotFound("Service");
        }

        var (query, maxBytes) = Validated(request);
        var node = await db.Nodes.AsNoTracking().SingleAsync(n => n.Id == service.NodeId, cancellationToken);

        // Client people are not told which host runs their service, nor the engine's own error text.
        var staff = Rulebook.AllowsPlatform(actor, Permission.NodeRead);
        var who = staff ? $"Node '{node.Name}'" : "The service's node";
        EnsureReachable(mirror.Node(node.Id), who, staff);

        var containers = mirror.ContainersOf(node.Id, serviceId);
        if (containers.Count == 0)
        {
            return new ServiceLogs(false, []);
        }

        ContainerLog?[] logs;
        try
        {
            using var client = engines.Create(node);
            var engine = new EngineCalls(client, node.Id, options.Value.CallTimeout, options.Value.PullTimeout);

            // The cap is shared fairly, so one chatty replica cannot crowd out the others.
            var share = Math.Max(1, maxBytes / containers.Count);
            logs = await Task.WhenAll(containers.Select(c => engine.LogsAsync(c.Id, query, share, cancellationToken)));
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("Reading the logs of service {Service} on node {Node} failed: {Error}", serviceId, node.Name, ex.Message);
            var why = ex is OperationCanceledException ? "did not answer in time" : "could not be read";
            throw DomainException.Unavailable(staff ? $"{who} {why}: {ex.Message}" : $"{who} {why}; try again later.");
        }

        var instances = containers.Zip(logs)
            .Where(pair => pair.Second is not null)
            .Select(pair => new InstanceLog(pair.First, pair.Second!.Truncated, pair.Second.Lines))
            .ToList();
        return new ServiceLogs(instances.Any(i => i.Truncated), instances);
    }

    private void EnsureReachable(NodeSnapshot snapshot, string who, bool staff)
    {
        if (!options.Value.Enabled)
        {
            throw DomainException.Unavailable("This server does not run the engine (Pnx:Engine:Enabled is false), so it cannot read logs.");
        }

        var detail = staff && snapshot.LastError is { } error ? $" ({error})" : "";
        switch (snapshot.Status)
        {
            case NodeStatus.Offline when snapshot.LastSeenAt is { } seen:
                throw DomainException.Unavailable(
                    $"{who} is offline since {seen.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} UTC{detail}; its logs cannot be read now.");
            case NodeStatus.Offline:
                throw DomainException.Unavailable($"{who} is offline and has not been reached since the server started{detail}.");
            case NodeStatus.Unknown:
                throw DomainException.Unavailable($"{who} has not been reached yet; try again shortly.");
        }
    }

    private static (LogQuery Query, int MaxBytes) Validated(LogRequest request)
    {
        var tail = request.Tail ?? DefaultTail;
        if (tail is < 1 or > MaxTail)
        {
            throw DomainException.BadInput("tail", $"'tail' must be between 1 and {MaxTail}.");
        }

        var maxBytes = request.MaxBytes ?? DefaultMaxBytes;
        if (maxBytes is < 1 or > MaxMaxBytes)
        {
            throw DomainException.BadInput("maxBytes", $"'maxBytes' must be between 1 and {MaxMaxBytes} (4 MiB).");
        }

        if (request.Since > request.Until)
        {
            throw DomainException.BadInput("until", "'until' must not be before 'since'.");
        }

        return (new LogQuery(tail, request.Since, request.Until), maxBytes);
    }
}
