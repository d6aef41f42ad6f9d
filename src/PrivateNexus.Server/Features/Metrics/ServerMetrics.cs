using System.Collections.Concurrent;
using PrivateNexus.Server.Events;
using PrivateNexus.Server.GraphQL.WebSockets;
using Prometheus;

namespace PrivateNexus.Server.Features.Metrics;

/// <summary>
/// The server's own metrics, on the host's own registry (one per host, so test servers sharing a
/// process never mix their numbers). Counters that already exist elsewhere (the bus, the socket
/// registry) are read at scrape time instead of being counted twice.
/// </summary>
public sealed class ServerMetrics
{
    /// <summary>Distinct operation names kept as labels; later new names become "other" (names are chosen by callers).</summary>
    public const int MaxOperationNames = 200;

    /// <summary>The operation label of documents that never executed (did not parse or validate).</summary>
    public const string Invalid = "invalid";

    private static readonly double[] LatencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly ConcurrentDictionary<string, bool> _operationNames = new(StringComparer.Ordinal);
    private readonly Histogram _graphql;
    private readonly Histogram _reconcile;
    private readonly Counter _engineCalls;
    private readonly Counter _engineErrors;

    public ServerMetrics(CollectorRegistry registry, EventBus bus, ConnectionRegistry sockets)
    {
        var factory = Prometheus.Metrics.WithCustomRegistry(registry);
        _graphql = factory.CreateHistogram(
            "pnx_graphql_operation_duration_seconds",
            "GraphQL operations (HTTP and WebSocket) by operation name, type and outcome (ok, or the first error's code); subscriptions until set up.",
            ["operation", "type", "outcome"],
            new HistogramConfiguration { Buckets = LatencyBuckets });
        _reconcile = factory.CreateHistogram(
            "pnx_reconcile_duration_seconds",
            "Reconciler passes per node (only the node's lease holder converges) and their outcome (ok, error).",
            ["node", "outcome"],
            new HistogramConfiguration { Buckets = LatencyBuckets });
        _engineCalls = factory.CreateCounter("pnx_engine_calls_total", "Docker Engine API calls per node and operation.", ["node", "operation"]);
        _engineErrors = factory.CreateCounter(
            "pnx_engine_errors_total",
            "Engine failures per node: session (unreachable, or its event stream broke), resync (a periodic full re-read failed). Failed reconcile passes: pnx_reconcile_duration_seconds{outcome=\"error\"}.",
            ["node", "stage"]);

        var published = factory.CreateCounter("pnx_events_published_total", "Events published on this replica's bus.");
        var delivered = factory.CreateCounter("pnx_events_delivered_total", "Events delivered to subscriptions and listeners.");
        var dropped = factory.CreateCounter("pnx_events_dropped_total", "Events a subscription could not take (queue full; the subscription ended).");
        var subscriptions = factory.CreateGauge("pnx_event_subscriptions", "Subscriptions on the bus now.");
        var connections = factory.CreateGauge("pnx_websocket_connections", "Open GraphQL WebSocket connections on this replica.");
        var redisFailures = factory.CreateCounter(
            "pnx_events_redis_send_failures_total", "Cluster events this replica could not hand to Redis (Redis down): other replicas missed them.");
        registry.AddBeforeCollectCallback(() =>
        {
            published.IncTo(bus.Published);
            delivered.IncTo(bus.Delivered);
            dropped.IncTo(bus.Dropped);
            subscriptions.Set(bus.SubscriptionCount);
            connections.Set(sockets.Count);
            if (bus.Transport is RedisEventTransport redis)
            {
                redisFailures.IncTo(redis.SendFailures);
            }
        });
    }

    public void GraphQLOperation(string? name, string type, string outcome, TimeSpan elapsed, bool mayAddName) =>
        _graphql.WithLabels(OperationLabel(name, mayAddName), type, outcome).Observe(elapsed.TotalSeconds);

    public void ReconcilePass(Guid nodeId, bool ok, TimeSpan elapsed) =>
        _reconcile.WithLabels(nodeId.ToString(), ok ? "ok" : "error").Observe(elapsed.TotalSeconds);

    public void EngineCall(Guid nodeId, string operation) => _engineCalls.WithLabels(nodeId.ToString(), operation).Inc();

    public void EngineError(Guid nodeId, string stage) => _engineErrors.WithLabels(nodeId.ToString(), stage).Inc();

    /// <summary>
    /// Unnamed is "anonymous"; the first <see cref="MaxOperationNames"/> names (from callers allowed to
    /// add one) are kept, later ones are "other".
    /// </summary>
    internal string OperationLabel(string? name, bool mayAdd)
    {
        if (string.IsNullOrEmpty(name))
        {
            return "anonymous";
        }

        if (name is Invalid)
        {
            return name;
        }

        if (_operationNames.ContainsKey(name))
        {
            return name;
        }

        // A race may let a few more than the cap in; the bound still holds within a handful.
        if (!mayAdd || _operationNames.Count >= MaxOperationNames)
        {
            return "other";
        }

        _operationNames.TryAdd(name, true);
        return name;
    }
}
