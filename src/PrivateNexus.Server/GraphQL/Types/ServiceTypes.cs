using GraphQL;
using GraphQL.Types;
using GraphQL.Types.Relay;
using PrivateNexus.Server.Authorization;
using PrivateNexus.Server.Features.Clients;
using PrivateNexus.Server.Features.Deployments;
using PrivateNexus.Server.Features.Nodes;
using PrivateNexus.Server.Features.Services;

namespace PrivateNexus.Server.GraphQL.Types;

public sealed class ServiceType : ObjectGraphType<Service>
{
    /// <param name="runtime">A singleton, taken once here rather than looked up for each service of a page.</param>
    public ServiceType(ServiceRuntime runtime)
    {
        Name = "Service";
        Description = "A client's workload, as desired state.";
        Field<NonNullGraphType<IdGraphType>>("id").Resolve(c => c.Source.Id);
        Field(s => s.Name);
        Field(s => s.Image);
        Field<NonNullGraphType<DesiredStateType>>("desiredState").Resolve(c => c.Source.DesiredState);
        Field(s => s.Revision).Description("The current revision number; pass as expectedRevision when updating.");
        Field<NonNullGraphType<ServiceSpecType>>("spec").Resolve(c => c.Source.Spec);
        Field<NonNullGraphType<IdGraphType>>("clientId").Resolve(c => c.Source.ClientId);
        Field<ClientType>("client")
            .Resolve(context => context.Svc<BatchLoaders>()
                .Get<Guid, Client>("clients", (ids, ct) => context.Svc<ClientService>().GetManyAsync(ids, ct))
                .Load(context.Source.ClientId));
        Field<NodeType>("node")
            .Description("The node it is placed on; null for callers who may not see nodes.")
            .Resolve(context => context.Svc<BatchLoaders>()
                .Get<Guid, Node>("service.nodes", (ids, ct) => context.Svc<NodeService>().PlacementsAsync(ids, ct))
                .Load(context.Source.NodeId));
        Field<NonNullGraphType<ServiceStatusType>>("status")
            .Description("Live, from the state mirror (never waits on the engine).")
            .Resolve(c => runtime.Status(c.Source));
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<InstanceType>>>>("instances")
            .Description("The service's containers, from the state mirror.")
            .Resolve(c => runtime.Instances(c.Source));
        Field(s => s.RestartGeneration).Description("Bumped by restartService.");
        Field<DeploymentType>("latestDeployment")
            .Description("The newest change on its way to (or done on) the engine; every mutation of the service opens one.")
            .Resolve(context => context.Svc<BatchLoaders>()
                .Get<Guid, Deployment>("service.latestDeployment", (ids, ct) => context.Svc<DeploymentService>().LatestAsync(ids, ct))
                .Load(context.Source.Id));
        Field<NonNullGraphType<ConnectionType<DeploymentType>>>("deployments")
            .Description("Newest first.")
            .Argument<IntGraphType>("first", a => a.DefaultValue = 20)
            .Argument<StringGraphType>("after")
            .ResolveAsync(async c => (await c.Svc<DeploymentService>().ForServiceAsync(c.Source.Id, c.GetPage(), c.CancellationToken)).ToConnection());
        Field<ServiceMetricsType>("metrics")
            .Description("CPU, memory and network over time, from Prometheus; null with METRICS_UNAVAILABLE when it is not configured or cannot answer.")
            .Argument<NonNullGraphType<StringGraphType>>("range", a => { a.DefaultValue = "1h"; a.Description = "How far back from now: 90s, 15m, 1h, 7d; at most 30d."; })
            .Argument<StringGraphType>("step", a => a.Description = "Time between points (60s, 5m); at most 1100 points. Default: about 120 points.")
            .ResolveAsync(async c => await c.Svc<Features.Metrics.ServiceMetricsService>().ForServiceAsync(
                c.Source, c.GetArgument<string>("range"), c.GetArgument<string?>("step"), c.CancellationToken));
        Field(s => s.CreatedAt);
        Field(s => s.UpdatedAt);
        Field<NonNullGraphType<ConnectionType<ServiceRevisionType>>>("revisions")
            .Argument<IntGraphType>("first", a => a.DefaultValue = 20)
            .Argument<StringGraphType>("after")
            .ResolveAsync(async c => (await c.Svc<ServiceManager>().RevisionsAsync(c.Source.Id, c.GetPage(), c.CancellationToken)).ToConnection());
    }
}

public sealed class ServiceRevisionType : ObjectGraphType<ServiceRevision>
{
    public ServiceRevisionType()
    {
        Name = "ServiceRevision";
        Field(r => r.Revision);
        Field(r => r.Reason).Description("create, update or rollback:N");
        Field(r => r.CreatedBy, nullable: true);
        Field(r => r.CreatedAt);
        Field<NonNullGraphType<ServiceSpecType>>("spec").Resolve(c => c.Source.Spec);
    }
}

public sealed class ServiceSpecType : ObjectGraphType<ServiceSpec>
{
    public ServiceSpecType()
    {
        Name = "ServiceSpec";
        Field(s => s.Image);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<StringGraphType>>>>("command").Resolve(c => c.Source.Command);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<EnvVarType>>>>("env").Resolve(c => c.Source.Env);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<PortMappingType>>>>("ports").Resolve(c => c.Source.Ports);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<VolumeMountType>>>>("volumes").Resolve(c => c.Source.Volumes);
        Field(s => s.CpuMillicores);
        Field(s => s.MemoryMiB);
        Field<NonNullGraphType<RestartPolicyType>>("restartPolicy").Resolve(c => c.Source.RestartPolicy);
        Field<HealthCheckType>("healthCheck").Resolve(c => c.Source.HealthCheck);
        Field(s => s.Replicas);
    }
}

public sealed class EnvVarType : ObjectGraphType<EnvVar>
{
    public EnvVarType()
    {
        Name = "EnvVar";
        Field(e => e.Name);
        Field<StringGraphType>("value")
            .Description("Null for a secret: secrets are write-only.")
            .Resolve(c => c.Source.Secret ? null : c.Source.Value);
        Field(e => e.Secret);
    }
}

public sealed class PortMappingType : ObjectGraphType<PortMapping>
{
    public PortMappingType()
    {
        Name = "PortMapping";
        Field(p => p.ContainerPort);
        Field(p => p.HostPort, nullable: true);
        Field<NonNullGraphType<PortProtocolType>>("protocol").Resolve(c => c.Source.Protocol);
    }
}

public sealed class VolumeMountType : ObjectGraphType<VolumeMount>
{
    public VolumeMountType()
    {
        Name = "VolumeMount";
        Field(v => v.Name).Description("A named volume (host paths are never allowed).");
        Field(v => v.Path);
        Field(v => v.ReadOnly);
    }
}

public sealed class HealthCheckType : ObjectGraphType<HealthCheck>
{
    public HealthCheckType()
    {
        Name = "HealthCheck";
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<StringGraphType>>>>("command").Resolve(c => c.Source.Command);
        Field(h => h.IntervalSeconds);
        Field(h => h.TimeoutSeconds);
        Field(h => h.Retries);
        Field(h => h.StartPeriodSeconds);
    }
}
