using GraphQL.Types;
using PrivateNexus.Server.Engine;
using PrivateNexus.Server.Features.Services;

namespace PrivateNexus.Server.GraphQL.Types;

public sealed class LogStreamType : EnumerationGraphType<LogStream>;

public sealed class ServiceLogsType : ObjectGraphType<ServiceLogs>
{
    public ServiceLogsType()
    {
        Name = "ServiceLogs";
        Description = "A service's logs as the engine returned them just now, per container.";
        Field(l => l.Truncated).Description("True when some container's log was cut at maxBytes (or at the engine timeout): narrow with tail, since or until.");
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<InstanceLogType>>>>("instances").Resolve(c => c.Source.Instances);
    }
}

public sealed class InstanceLogType : ObjectGraphType<InstanceLog>
{
    public InstanceLogType()
    {
        Name = "InstanceLog";
        Description = "One container's lines, oldest first, stdout and stderr interleaved as written.";
        Field<NonNullGraphType<StringGraphType>>("containerId").Resolve(c => c.Source.Instance.Id[..Math.Min(12, c.Source.Instance.Id.Length)]);
        Field<NonNullGraphType<StringGraphType>>("name").Resolve(c => c.Source.Instance.Name);
        Field<NonNullGraphType<IntGraphType>>("revision").Resolve(c => c.Source.Instance.Revision);
        Field<NonNullGraphType<IntGraphType>>("replica").Resolve(c => c.Source.Instance.Replica);
        Field(l => l.Truncated).Description("Reading stopped at this container's share of maxBytes (or at the timeout); the newest lines are missing.");
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<LogLineType>>>>("lines").Resolve(c => c.Source.Lines);
    }
}

public sealed class LogLineType : ObjectGraphType<LogLine>
{
    public LogLineType()
    {
        Name = "LogLine";
        Field(l => l.Time, nullable: true).Description("When the engine recorded the line; null if it gave no timestamp.");
        Field<NonNullGraphType<LogStreamType>>("stream").Description("STDOUT or STDERR (everything is STDOUT for a container with a TTY).").Resolve(c => c.Source.Stream);
        Field(l => l.Text);
    }
}

public sealed class ServiceLogLineType : ObjectGraphType<ServiceLogLine>
{
    public ServiceLogLineType()
    {
        Name = "ServiceLogLine";
        Description = "One line a service's container wrote, as it wrote it.";
        Field<NonNullGraphType<StringGraphType>>("containerId").Resolve(c => c.Source.Instance.Id[..Math.Min(12, c.Source.Instance.Id.Length)]);
        Field<NonNullGraphType<StringGraphType>>("instance").Description("The container's name.").Resolve(c => c.Source.Instance.Name);
        Field<NonNullGraphType<IntGraphType>>("revision").Resolve(c => c.Source.Instance.Revision);
        Field<NonNullGraphType<IntGraphType>>("replica").Resolve(c => c.Source.Instance.Replica);
        Field<DateTimeOffsetGraphType>("time").Description("When the engine recorded the line.").Resolve(c => c.Source.Line.Time);
        Field<NonNullGraphType<LogStreamType>>("stream").Description("STDOUT or STDERR.").Resolve(c => c.Source.Line.Stream);
        Field<NonNullGraphType<StringGraphType>>("text").Resolve(c => c.Source.Line.Text);
    }
}
