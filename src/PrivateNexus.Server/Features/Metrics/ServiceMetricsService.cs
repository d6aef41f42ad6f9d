using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using PrivateNexus.Server.Authorization;
using PrivateNexus.Server.Common;
using PrivateNexus.Server.Data;
using PrivateNexus.Server.Engine;
using PrivateNexus.Server.Features.Audit;
using PrivateNexus.Server.Features.Services;

namespace PrivateNexus.Server.Features.Metrics;

/// <summary>CPU in cores, memory in bytes, network in bytes per second; one point per step.</summary>
public sealed record ServiceMetrics(
    IReadOnlyList<MetricPoint> Cpu, IReadOnlyList<MetricPoint> Memory, IReadOnlyList<MetricPoint> NetworkRx, IReadOnlyList<MetricPoint> NetworkTx);

/// <summary>What a client uses now, next to its quota: <see cref="Services"/> from the database, the rest from Prometheus on demand.</summary>
public sealed record ClientUsage(Guid ClientId);

/// <summary>What runs on a node now (staff only): <see cref="Containers"/> from the state mirror, the rest from Prometheus on demand.</summary>
public sealed record NodeUsage(Guid NodeId, int Containers);

/// <summary>
/// Reads a service's (or a client's) numbers from Prometheus, after the rulebook: ServiceRead on
/// the owning client. The PromQL is built here from ids and durations only (<see cref="PromQL"/>).
/// </summary>
public sealed partial class ServiceMetricsService(Rulebook rules, PnxDbContext db, PrometheusClient prometheus, StateMirror mirror, TimeProvider time, ILogger<ServiceMetricsService> logger)
{
    public static readonly TimeSpan MaxRange = TimeSpan.FromDays(30);
    public const int MaxPoints = 1_100;

    /// <summary>Rates are taken over at least this much, so a few scrapes (every 15 s is common) fall in each window.</summary>
    public static readonly TimeSpan MinRateWindow = TimeSpan.FromMinutes(1);

    public async Task<ServiceMetrics> ForServiceAsync(Service service, string range, string? step, CancellationToken cancellationToken)
    {
        await rules.RequireClientAsync(service.ClientId, Permission.ServiceRead, AuditTarget.Of("service", service.Id, service.ClientId), "Service", cancellationToken);
        var (length, interval) = Window(range, step);

        // Whole steps, so repeated requests within a step share the cache and Prometheus' own alignment.
        var stepSeconds = (long)interval.TotalSeconds;
        var end = DateTimeOffset.FromUnixTimeSeconds(time.GetUtcNow().ToUnixTimeSeconds() / stepSeconds * stepSeconds);
        var start = end - length;
        var window = interval > MinRateWindow ? interval : MinRateWindow;
        Task<IReadOnlyList<MetricPoint>> Read(string promql) => Guard(() => prometheus.RangeAsync(promql, start, end, interval, cancellationToken));

        var cpu = Read(PromQL.Rate(PromQL.Selector(PromQL.Cpu, service.ClientId, service.Id), window));
        var memory = Read(PromQL.Gauge(PromQL.Selector(PromQL.Memory, service.ClientId, service.Id)));
        var rx = Read(PromQL.Rate(PromQL.Selector(PromQL.NetworkRx, service.ClientId, service.Id), window));
        var tx = Read(PromQL.Rate(PromQL.Selector(PromQL.NetworkTx, service.ClientId, service.Id), window));
        return new ServiceMetrics(await cpu, await memory, await rx, await tx);
    }

    /// <summary>
    /// The caller may read the client's usage (ServiceRead). Its numbers are read for a whole page of
    /// clients at once, by <see cref="ServiceCountsAsync"/>, <see cref="CpuNowAsync"/> and
    /// <see cref="MemoryNowAsync"/>, only for clients that passed this check.
    /// </summary>
    public async Task<ClientUsage> UsageAsync(Guid clientId, CancellationToken cancellationToken)
    {
        await rules.RequireClientAsync(clientId, Permission.ServiceRead, AuditTarget.Of("client", clientId, clientId), "Client", cancellationToken);
        return new ClientUsage(clientId);
    }

    /// <summary>Services per client (checked by <see cref="UsageAsync"/>): one grouped count; clients without any are left out.</summary>
    public async Task<IReadOnlyDictionary<Guid, int>> ServiceCountsAsync(IReadOnlyCollection<Guid> clientIds, CancellationToken cancellationToken)
    {
        var ids = clientIds.ToList();
        return await db.Services.AsNoTracking()
            .Where(s => ids.Contains(s.ClientId))
            .GroupBy(s => s.ClientId)
            .Select(g => new { ClientId = g.Key, Count = g.Count() })
            .ToDictionaryAsync(g => g.ClientId, g => g.Count, cancellationToken);
    }

    /// <summary>Cores in use now over all of each client's containers (checked by <see cref="UsageAsync"/>): one query for them all.</summary>
    public Task<IReadOnlyDictionary<Guid, double>> CpuNowAsync(IReadOnlyCollection<Guid> clientIds, CancellationToken cancellationToken) =>
        PerClientAsync(clientIds, PromQL.RateBy(PromQL.Selector(PromQL.Cpu, clientIds), MinRateWindow, "client"), cancellationToken);

    /// <summary>Working set in bytes now over all of each client's containers (checked by <see cref="UsageAsync"/>).</summary>
    public Task<IReadOnlyDictionary<Guid, double>> MemoryNowAsync(IReadOnlyCollection<Guid> clientIds, CancellationToken cancellationToken) =>
        PerClientAsync(clientIds, PromQL.GaugeBy(PromQL.Selector(PromQL.Memory, clientIds), "client"), cancellationToken);

    /// <summary>A client without series has nothing running: 0, not "unknown".</summary>
    private async Task<IReadOnlyDictionary<Guid, double>> PerClientAsync(IReadOnlyCollection<Guid> clientIds, string promql, CancellationToken cancellationToken)
    {
        var byClient = await Guard(() => prometheus.VectorAsync(promql, "client", cancellationToken));
        return clientIds.ToDictionary(id => id, id => byClient.GetValueOrDefault(id.ToString()));
    }

    public async Task<NodeUsage> NodeUsageAsync(Guid nodeId, CancellationToken cancellationToken)
    {
        await rules.RequirePlatformAsync(Permission.NodeRead, AuditTarget.Of("node", nodeId), cancellationToken);
        return new NodeUsage(nodeId, mirror.Node(nodeId).Containers.Count);
    }

    /// <summary>Cores in use now by all containers on the node (checked by <see cref="NodeUsageAsync"/>).</summary>
    public Task<double> NodeCpuNowAsync(Guid nodeId, CancellationToken cancellationToken) =>
        Guard(() => prometheus.InstantAsync(PromQL.Rate(PromQL.Selector(PromQL.Cpu, [("node", nodeId.ToString())]), MinRateWindow), cancellationToken));

    public Task<double> NodeMemoryNowAsync(Guid nodeId, CancellationToken cancellationToken) =>
        Guard(() => prometheus.InstantAsync(PromQL.Gauge(PromQL.Selector(PromQL.Memory, [("node", nodeId.ToString())])), cancellationToken));

    /// <summary>
    /// The range and step a request may have: range ≤ 30 d; step ≥ 1 s and at most
    /// <see cref="MaxPoints"/> points per series. Without a step, one is chosen for about 120 points.
    /// </summary>
    public static (TimeSpan Range, TimeSpan Step) Window(string range, string? step)
    {
        var length = Duration(range, "range");
        if (length <= TimeSpan.Zero || length > MaxRange)
        {
            throw DomainException.BadInput("range", $"'range' must be more than 0 and at most {MaxRange.TotalDays:0}d.");
        }

        var interval = step is null
            ? TimeSpan.FromSeconds(Math.Max(1, Math.Ceiling(length.TotalSeconds / 120)))
            : Duration(step, "step");
        if (interval < TimeSpan.FromSeconds(1))
        {
            throw DomainException.BadInput("step", "'step' must be at least 1s.");
        }

        if (length / interval > MaxPoints)
        {
            throw DomainException.BadInput(
                "step", $"'step' {step} gives more than {MaxPoints} points over {range}; use a step of at least {PromQL.Seconds(length / MaxPoints)}.");
        }

        return (length, interval);
    }

    /// <summary>A Prometheus-style duration of one unit: <c>90s</c>, <c>15m</c>, <c>1h</c>, <c>7d</c>.</summary>
    public static TimeSpan Duration(string text, string field)
    {
        var match = DurationPattern().Match(text);
        if (!match.Success || !long.TryParse(match.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n > 10_000_000)
        {
            throw DomainException.BadInput(field, $"'{field}' must be a duration such as 60s, 15m, 1h or 7d.");
        }

        return match.Groups[2].Value switch
        {
            "s" => TimeSpan.FromSeconds(n),
            "m" => TimeSpan.FromMinutes(n),
            "h" => TimeSpan.FromHours(n),
            _ => TimeSpan.FromDays(n),
        };
    }

    /// <summary>The caller hears that metrics are unavailable; where Prometheus is and what it said is for the log.</summary>
    private async Task<T> Guard<T>(Func<Task<T>> read)
    {
        try
        {
            return await read();
        }
        catch (PrometheusUnavailableException ex)
        {
            logger.LogWarning("Metrics query failed: {Error}", ex.Message);
            throw new DomainException(
                ErrorCode.MetricsUnavailable,
                prometheus.Configured ? "Metrics are unavailable right now; try again later." : "Metrics are not configured on this server.");
        }
    }

    [GeneratedRegex(@"^([0-9]{1,8})([smhd])$", RegexOptions.CultureInvariant)]
    private static partial Regex DurationPattern();
}
