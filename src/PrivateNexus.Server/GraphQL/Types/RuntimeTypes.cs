using GraphQL.Types;
using PrivateNexus.Server.Engine;
using PrivateNexus.Server.Features.Nodes;
using PrivateNexus.Server.Features.Services;

namespace PrivateNexus.Server.GraphQL.Types;

public sealed class ServiceStatusType : EnumerationGraphType<ServiceStatus>;

public sealed class NodeStatusType : EnumerationGraphType<NodeStatus>;

public sealed class EngineInfoType : ObjectGraphType<EngineInfo>
{
    public EngineInfoType()
    {
        Name = "EngineInfo";
        Field(e => e.Version);
        Field(e => e.ApiVersion);
        Field(e => e.OperatingSystem);
        Field(e => e.Architecture);
        Field(e => e.Cpus);
        Field<NonNullGraphType<LongGraphType>>("memoryBytes").Resolve(c => c.Source.MemoryBytes);
        Field(e => e.SwarmRole).Description("none, worker or manager");
    }
}

public sealed class InstanceType : ObjectGraphType<ContainerState>
{
    /// <param name="runtime">A singleton, taken once here rather than looked up for each instance.</param>
    public InstanceType(ServiceRuntime runtime)
    {
        Name = "Instance";
        Description = "One container of a service, as the state mirror last saw it.";
        Field<NonNullGraphType<StringGraphType>>("containerId").Resolve(c => c.Source.Id[..Math.Min(12, c.Source.Id.Length)]);
        Field(i => i.Name);
        Field(i => i.State).Description("created, running, restarting, exited, dead, paused");
        Field(i => i.Health, nullable: true).Description("starting, healthy or unhealthy; null without a health check");
        Field(i => i.ExitCode);
        Field<NonNullGraphType<IntGraphType>>("restarts").Resolve(c => c.Source.RestartCount);
        Field(i => i.StartedAt, nullable: true);
        Field(i => i.Revision);
        Field(i => i.Replica);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<PortMappingType>>>>("ports")
            .Resolve(c => c.Source.Ports.Select(p => new PortMapping(p.ContainerPort, p.HostPort, p.Protocol == "udp" ? PortProtocol.Udp : PortProtocol.Tcp)));
        Field<InstanceStatsType>("stats")
            .Description("The latest background sample from the state mirror; null until the first one (or while not running).")
            .Resolve(c => runtime.Stats(c.Source));
    }
}

public sealed class NodeTestResultType : ObjectGraphType<NodeTestResult>
{
    public NodeTestResultType()
    {
        Name = "NodeTestResult";
        Field(r => r.Reachable);
        Field<EngineInfoType>("engine").Resolve(c => c.Source.Engine);
        Field(r => r.Error, nullable: true);
    }
}
