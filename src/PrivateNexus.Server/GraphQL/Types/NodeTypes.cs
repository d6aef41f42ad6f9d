using GraphQL.Types;
using PrivateNexus.Server.Engine;
using PrivateNexus.Server.Features.Nodes;

namespace PrivateNexus.Server.GraphQL.Types;

public sealed record Label(string Key, string Value);

public sealed class LabelType : ObjectGraphType<Label>
{
    public LabelType()
    {
        Name = "Label";
        Field(l => l.Key);
        Field(l => l.Value);
    }
}

public sealed class LabelInputType : InputObjectGraphType<Label>
{
    public LabelInputType()
    {
        Name = "LabelInput";
        Field(l => l.Key);
        Field(l => l.Value);
    }
}

public sealed class NodeType : ObjectGraphType<Node>
{
    public NodeType()
    {
        Name = "Node";
        Description = "A Docker engine that services run on.";
        Field<NonNullGraphType<IdGraphType>>("id").Resolve(c => c.Source.Id);
        Field(n => n.Name);
        Field(n => n.Endpoint);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<LabelType>>>>("labels")
            .Resolve(c => c.Source.Labels.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => new Label(kv.Key, kv.Value)));
        Field(n => n.Drained).Description("A drained node keeps its services but takes no new ones.");
        Field<NonNullGraphType<BooleanGraphType>>("tls")
            .Description("Whether TLS client material is stored (the key itself is never returned).")
            .Resolve(c => c.Source.TlsClientKeyProtected is not null);
        Field(n => n.TlsCaCertificate, nullable: true);
        Field(n => n.TlsClientCertificate, nullable: true);
        Field<NonNullGraphType<NodeStatusType>>("status").Resolve(c => c.Svc<StateMirror>().Node(c.Source.Id).Status);
        Field<DateTimeOffsetGraphType>("lastSeenAt").Resolve(c => c.Svc<StateMirror>().Node(c.Source.Id).LastSeenAt);
        Field<StringGraphType>("lastError").Resolve(c => c.Svc<StateMirror>().Node(c.Source.Id).LastError);
        Field<EngineInfoType>("engine").Description("As last reported by the engine.").Resolve(c => c.Svc<StateMirror>().Node(c.Source.Id).Engine);
        Field<NonNullGraphType<IntGraphType>>("containers")
            .Description("Our containers on this node.")
            .Resolve(c => c.Svc<StateMirror>().Node(c.Source.Id).Containers.Count);
        Field<NodeUsageType>("usage")
            .Description("Containers from the mirror; cpu and memory now from Prometheus.")
            .ResolveAsync(async c => await c.Svc<Features.Metrics.ServiceMetricsService>().NodeUsageAsync(c.Source.Id, c.CancellationToken));
        Field(n => n.CreatedAt);
        Field(n => n.UpdatedAt);
        Field(n => n.Version);
    }
}

public sealed class NodeTlsInputType : InputObjectGraphType<NodeTlsInput>
{
    public NodeTlsInputType()
    {
        Name = "NodeTlsInput";
        Field<StringGraphType>("caCertificate").Description("PEM");
        Field<StringGraphType>("clientCertificate").Description("PEM");
        Field<StringGraphType>("clientKey").Description("PEM; stored encrypted, never returned.");
    }
}

/// <summary>GraphQL shape of node inputs (labels as a list, as GraphQL has no map); mapped onto the feature's inputs.</summary>
public sealed record CreateNodeModel(string Name, string Endpoint, NodeTlsInput? Tls, List<Label>? Labels)
{
    public CreateNodeInput ToInput() => new(Name, Endpoint, Tls, Labels.ToMap());
}

public sealed record UpdateNodeModel(Guid Id, string? Endpoint, NodeTlsInput? Tls, List<Label>? Labels, bool? Drained, long? ExpectedVersion)
{
    public UpdateNodeInput ToInput() => new(Id, Endpoint, Tls, Labels.ToMap(), Drained, ExpectedVersion);
}

internal static class LabelExtensions
{
    public static IReadOnlyDictionary<string, string>? ToMap(this List<Label>? labels) =>
        labels?.GroupBy(l => l.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last().Value, StringComparer.Ordinal);
}

public sealed class CreateNodeInputType : InputObjectGraphType<CreateNodeModel>
{
    public CreateNodeInputType()
    {
        Name = "CreateNodeInput";
        Field<NonNullGraphType<StringGraphType>>("name");
        Field<NonNullGraphType<StringGraphType>>("endpoint").Description("unix:///var/run/docker.sock or tcp://host:2376");
        Field<NodeTlsInputType>("tls");
        Field<ListGraphType<NonNullGraphType<LabelInputType>>>("labels");
    }
}

public sealed class UpdateNodeInputType : InputObjectGraphType<UpdateNodeModel>
{
    public UpdateNodeInputType()
    {
        Name = "UpdateNodeInput";
        Field<NonNullGraphType<IdGraphType>>("id");
        Field<StringGraphType>("endpoint");
        Field<NodeTlsInputType>("tls");
        Field<ListGraphType<NonNullGraphType<LabelInputType>>>("labels");
        Field<BooleanGraphType>("drained");
        Field<LongGraphType>("expectedVersion");
    }
}
