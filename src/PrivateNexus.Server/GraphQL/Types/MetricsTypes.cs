using GraphQL;
using GraphQL.Types;
using PrivateNexus.Server.Features.Metrics;

namespace PrivateNexus.Server.GraphQL.Types;

public sealed class MetricPointType : ObjectGraphType<MetricPoint>
{
    public MetricPointType()
    {
        Name = "MetricPoint";
        Field(p => p.Time);
        Field(p => p.Value);
    }
}

public sealed class ServiceMetricsType : ObjectGraphType<ServiceMetrics>
{
    public ServiceMetricsType()
    {
        Name = "ServiceMetrics";
        Description = "A service's numbers from Prometheus, all replicas and containers added up; one point per step.";
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<MetricPointType>>>>("cpu").Description("CPU in use, in cores.").Resolve(c => c.Source.Cpu);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<MetricPointType>>>>("memory").Description("Working set, in bytes.").Resolve(c => c.Source.Memory);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<MetricPointType>>>>("networkRx").Description("Received, in bytes per second.").Resolve(c => c.Source.NetworkRx);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<MetricPointType>>>>("networkTx").Description("Sent, in bytes per second.").Resolve(c => c.Source.NetworkTx);
    }
}

public sealed class ClientUsageType : ObjectGraphType<ClientUsage>
{
    public ClientUsageType()
    {
        Name = "ClientUsage";
        Description = "What the client uses now, to set against its quota.";
        // Each number is read for every client of the page at once (one count, one query each).
        Field<NonNullGraphType<IntGraphType>>("services")
            .Description("Number of services (the quota's services counts these).")
            .Resolve(c => Loader(c, "client.usage.services", (metrics, ids, ct) => metrics.ServiceCountsAsync(ids, ct)).Load(c.Source.ClientId));
        Field<FloatGraphType>("cpu")
            .Description("Cores in use now over all its containers; null with METRICS_UNAVAILABLE when Prometheus cannot answer.")
            .Resolve(c => Loader(c, "client.usage.cpu", (metrics, ids, ct) => metrics.CpuNowAsync(ids, ct)).Load(c.Source.ClientId));
        Field<FloatGraphType>("memory")
            .Description("Working set in bytes now over all its containers; null with METRICS_UNAVAILABLE when Prometheus cannot answer.")
            .Resolve(c => Loader(c, "client.usage.memory", (metrics, ids, ct) => metrics.MemoryNowAsync(ids, ct)).Load(c.Source.ClientId));
    }

    private static BatchLoader<Guid, T> Loader<T>(
        IResolveFieldContext context, string name, Func<ServiceMetricsService, IReadOnlyCollection<Guid>, CancellationToken, Task<IReadOnlyDictionary<Guid, T>>> fetch)
    {
        var metrics = context.Svc<ServiceMetricsService>();
        return context.Svc<BatchLoaders>().Get<Guid, T>(name, (ids, ct) => fetch(metrics, ids, ct));
    }
}

public sealed class NodeUsageType : ObjectGraphType<NodeUsage>
{
    public NodeUsageType()
    {
        Name = "NodeUsage";
        Description = "What runs on the node now, over all clients.";
        Field(u => u.Containers).Description("Our containers on it, from the state mirror.");
        Field<FloatGraphType>("cpu")
            .Description("Cores in use now by our containers; null with METRICS_UNAVAILABLE when Prometheus cannot answer.")
            .ResolveAsync(async c => await c.Svc<ServiceMetricsService>().NodeCpuNowAsync(c.Source.NodeId, c.CancellationToken));
        Field<FloatGraphType>("memory")
            .Description("Working set in bytes now of our containers; null with METRICS_UNAVAILABLE when Prometheus cannot answer.")
            .ResolveAsync(async c => await c.Svc<ServiceMetricsService>().NodeMemoryNowAsync(c.Source.NodeId, c.CancellationToken));
    }
}
