using GraphQL.Types;
using PrivateNexus.Server.Engine;

namespace PrivateNexus.Server.GraphQL.Types;

public sealed class InstanceStatsType : ObjectGraphType<ContainerStats>
{
    public InstanceStatsType()
    {
        Name = "InstanceStats";
        Description = "A container's resources, sampled in the background every StatsInterval (never read on request).";
        Field(s => s.CpuPercent, nullable: true).Description("Percent of one CPU (200 = two CPUs busy), averaged since the previous sample; null on the first one.");
        Field<NonNullGraphType<LongGraphType>>("memoryBytes").Description("Usage without reclaimable page cache, as `docker stats` shows it.").Resolve(c => c.Source.MemoryBytes);
        Field<NonNullGraphType<LongGraphType>>("memoryLimitBytes").Resolve(c => c.Source.MemoryLimitBytes);
        Field<NonNullGraphType<LongGraphType>>("networkRxBytes").Description("Received since the container started, all interfaces.").Resolve(c => c.Source.NetworkRxBytes);
        Field<NonNullGraphType<LongGraphType>>("networkTxBytes").Description("Sent since the container started, all interfaces.").Resolve(c => c.Source.NetworkTxBytes);
        Field<NonNullGraphType<LongGraphType>>("blockReadBytes").Description("Read from block devices since the container started.").Resolve(c => c.Source.BlockReadBytes);
        Field<NonNullGraphType<LongGraphType>>("blockWriteBytes").Description("Written to block devices since the container started.").Resolve(c => c.Source.BlockWriteBytes);
        Field(s => s.SampledAt);
    }
}
