using GraphQL;
using GraphQL.Types;
using GraphQL.Types.Relay;
using PrivateNexus.Server.Common;
using PrivateNexus.Server.Features.Clients;
using PrivateNexus.Server.Features.Memberships;
using PrivateNexus.Server.Features.Services;

namespace PrivateNexus.Server.GraphQL.Types;

public sealed class ClientType : ObjectGraphType<Client>
{
    public ClientType()
    {
        Name = "Client";
        Description = "A client organisation: the unit of tenancy.";
        Field<NonNullGraphType<IdGraphType>>("id").Resolve(c => c.Source.Id);
        Field(c => c.Name);
        Field(c => c.Slug);
        Field<NonNullGraphType<ClientStatusType>>("status").Resolve(c => c.Source.Status);
        Field<NonNullGraphType<QuotaType>>("quota").Resolve(c => c.Source.Quota);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<StringGraphType>>>>("imagePolicy")
            .Description("Image patterns this client may deploy ('*' matches anything).")
            .Resolve(c => c.Source.ImagePolicy);
        Field<ClientUsageType>("usage")
            .Description("What it uses now, next to quota: services from the database, cpu and memory from Prometheus.")
            .ResolveAsync(async c => await c.Svc<Features.Metrics.ServiceMetricsService>().UsageAsync(c.Source.Id, c.CancellationToken));
        Field(c => c.CreatedAt);
        Field(c => c.UpdatedAt);
        Field(c => c.Version).Description("Pass as expectedVersion to update only what you have seen.");

        Field<NonNullGraphType<ConnectionType<ServiceType>>>("services")
            .Description("The client's services, batched across clients in one query.")
            .Argument<IntGraphType>("first", a => a.DefaultValue = 20)
            .Argument<StringGraphType>("after")
            .Resolve(context =>
            {
                var page = context.GetPage();
                var loader = context.Svc<BatchLoaders>().Get<Guid, IReadOnlyList<Service>>("client.services", async (ids, ct) =>
                {
                    var lookup = await context.Svc<ServiceManager>().ListForClientsAsync(ids, ct);
                    return ids.ToDictionary(id => id, id => (IReadOnlyList<Service>)lookup[id].ToList());
                });
                return loader.Load(context.Source.Id).Map(list => (list ?? []).ToPage(page).ToConnection());
            });

        Field<NonNullGraphType<ListGraphType<NonNullGraphType<MembershipType>>>>("members")
            .Description("People of this client and their roles (owners and platform staff).")
            .ResolveAsync(async c => await c.Svc<MembershipService>().ListForClientAsync(c.Source.Id, c.CancellationToken));
    }
}

public sealed class QuotaType : ObjectGraphType<ClientQuota>
{
    public QuotaType()
    {
        Name = "Quota";
        Field(q => q.CpuMillicores).Description("CPU over all services × replicas, in millicores (1000 = one core).");
        Field(q => q.MemoryMiB).Description("Memory over all services × replicas, in MiB.");
        Field(q => q.Services).Description("Number of services.");
    }
}

public sealed class QuotaInputType : InputObjectGraphType<ClientQuota>
{
    public QuotaInputType()
    {
        Name = "QuotaInput";
        Field(q => q.CpuMillicores);
        Field(q => q.MemoryMiB);
        Field(q => q.Services);
    }
}

public sealed class CreateClientInputType : InputObjectGraphType<CreateClientInput>
{
    public CreateClientInputType()
    {
        Name = "CreateClientInput";
        Field<NonNullGraphType<StringGraphType>>("name");
        Field<NonNullGraphType<StringGraphType>>("slug").Description("Unique, DNS-label shaped (a-z, 0-9, '-').");
        Field<QuotaInputType>("quota");
        Field<ListGraphType<NonNullGraphType<StringGraphType>>>("imagePolicy");
    }
}

public sealed class UpdateClientInputType : InputObjectGraphType<UpdateClientInput>
{
    public UpdateClientInputType()
    {
        Name = "UpdateClientInput";
        Field<NonNullGraphType<IdGraphType>>("id");
        Field<StringGraphType>("name");
        Field<QuotaInputType>("quota");
        Field<ListGraphType<NonNullGraphType<StringGraphType>>>("imagePolicy");
        Field<LongGraphType>("expectedVersion");
    }
}
