using GraphQL;
using GraphQL.Types;
using GraphQL.Types.Relay;
using PrivateNexus.Server.Features.ApiTokens;
using PrivateNexus.Server.Features.Audit;
using PrivateNexus.Server.Features.Automation;
using PrivateNexus.Server.Features.Clients;
using PrivateNexus.Server.Features.Nodes;
using PrivateNexus.Server.Features.Services;
using PrivateNexus.Server.Features.Users;
using PrivateNexus.Server.GraphQL.Types;

namespace PrivateNexus.Server.GraphQL;

/// <summary>Read side. Every field is a thin call into a feature service, which applies the rulebook.</summary>
public sealed class QueryType : ObjectGraphType
{
    public QueryType()
    {
        Name = "Query";

        Field<NonNullGraphType<UserType>>("me")
            .Description("The signed-in user.")
            .ResolveAsync(async c => await c.Svc<UserService>().MeAsync(
                c.SubFields?.Values.Any(f => !UserService.DirectoryFields.Contains(f.FieldType.Name)) ?? true, c.CancellationToken));

        Field<NonNullGraphType<ClientType>>("client")
            .Argument<NonNullGraphType<IdGraphType>>("id")
            .ResolveAsync(async c => await c.Svc<ClientService>().GetAsync(c.GetId(), c.CancellationToken));

        Field<NonNullGraphType<ConnectionType<ClientType>>>("clients")
            .Description("Clients you may see, paged.")
            .PageArguments()
            .Argument<StringGraphType>("search", "Matches name or slug.")
            .Argument<ClientStatusType>("status")
            .Argument<ClientSortType>("sort", a => a.DefaultValue = ClientSort.Name)
            .Argument<BooleanGraphType>("descending", a => a.DefaultValue = false)
            .ResolveAsync(async c => (await c.Svc<ClientService>().ListAsync(
                new ClientFilter(c.GetArgument<string?>("search"), c.GetArgument<ClientStatus?>("status"), c.GetArgument<ClientSort>("sort"), c.GetArgument<bool>("descending")),
                c.GetPage(), c.CancellationToken)).ToConnection());

        Field<NonNullGraphType<UserType>>("user")
            .Argument<NonNullGraphType<IdGraphType>>("id")
            .ResolveAsync(async c => await c.Svc<UserService>().GetAsync(c.GetId(), c.CancellationToken));

        Field<NonNullGraphType<ConnectionType<UserType>>>("users")
            .Description("All users (admins).")
            .PageArguments()
            .Argument<StringGraphType>("search", "Matches e-mail or display name.")
            .Argument<UserStatusType>("status")
            .Argument<PlatformRoleType>("platformRole")
            .ResolveAsync(async c => (await c.Svc<UserService>().ListAsync(
                new UserFilter(c.GetArgument<string?>("search"), c.GetArgument<UserStatus?>("status"), c.GetArgument<PlatformRole?>("platformRole")),
                c.GetPage(), c.CancellationToken)).ToConnection());

        Field<NonNullGraphType<ListGraphType<NonNullGraphType<NodeType>>>>("nodes")
            .Description("Docker engines (platform staff).")
            .ResolveAsync(async c => await c.Svc<NodeService>().ListAsync(c.CancellationToken));

        Field<NonNullGraphType<NodeType>>("node")
            .Argument<NonNullGraphType<IdGraphType>>("id")
            .ResolveAsync(async c => await c.Svc<NodeService>().GetAsync(c.GetId(), c.CancellationToken));

        Field<NonNullGraphType<ServiceType>>("service")
            .Argument<NonNullGraphType<IdGraphType>>("id")
            .ResolveAsync(async c => await c.Svc<ServiceManager>().GetAsync(c.GetId(), c.CancellationToken));

        Field<NonNullGraphType<ConnectionType<ServiceType>>>("services")
            .Description("Services you may see, paged.")
            .PageArguments()
            .Argument<IdGraphType>("clientId")
            .Argument<IdGraphType>("nodeId")
            .Argument<DesiredStateType>("desiredState")
            .Argument<ServiceStatusType>("status", "Live status, from the state mirror.")
            .Argument<StringGraphType>("search", "Matches name or image.")
            .Argument<ServiceSortType>("sort", a => a.DefaultValue = ServiceSort.Name)
            .Argument<BooleanGraphType>("descending", a => a.DefaultValue = false)
            .ResolveAsync(async c => (await c.Svc<ServiceManager>().ListAsync(
                new ServiceFilter(
                    c.GetOptionalId("clientId"), c.GetOptionalId("nodeId"), c.GetArgument<DesiredState?>("desiredState"),
                    c.GetArgument<string?>("search"), c.GetArgument<ServiceSort>("sort"), c.GetArgument<bool>("descending"),
                    c.GetArgument<ServiceStatus?>("status")),
                c.GetPage(), c.CancellationToken)).ToConnection());

        Field<NonNullGraphType<DeploymentType>>("deployment")
            .Argument<NonNullGraphType<IdGraphType>>("id")
            .ResolveAsync(async c => await c.Svc<Features.Deployments.DeploymentService>().GetAsync(c.GetId(), c.CancellationToken));

        Field<NonNullGraphType<ConnectionType<AuditEventType>>>("auditEvents")
            .Description("The audit trail, newest first: everything for admins, their own client's for owners.")
            .PageArguments()
            .Argument<IdGraphType>("clientId")
            .Argument<StringGraphType>("action", "Exact, or a prefix ending in '*' (e.g. \"service.*\").")
            .Argument<StringGraphType>("actorId")
            .Argument<AuditOutcomeType>("outcome")
            .Argument<StringGraphType>("targetId")
            .Argument<DateTimeOffsetGraphType>("from")
            .Argument<DateTimeOffsetGraphType>("to")
            .ResolveAsync(async c => (await c.Svc<AuditQueryService>().ListAsync(
                new AuditFilter(
                    c.GetOptionalId("clientId"), c.GetArgument<string?>("action"), c.GetArgument<string?>("actorId"),
                    c.GetArgument<AuditOutcome?>("outcome"), c.GetArgument<string?>("targetId"),
                    c.GetArgument<DateTimeOffset?>("from"), c.GetArgument<DateTimeOffset?>("to")),
                c.GetPage(), c.CancellationToken)).ToConnection());

        Field<NonNullGraphType<ListGraphType<NonNullGraphType<ApiTokenType>>>>("apiTokens")
            .Description("Your personal API tokens.")
            .ResolveAsync(async c => await c.Svc<ApiTokenService>().ListMineAsync(c.CancellationToken));

        Field<NonNullGraphType<ListGraphType<NonNullGraphType<AutomationClientType>>>>("automationClients")
            .Description("Client-credentials applications: a client's (owners) or the platform's (admins).")
            .Argument<IdGraphType>("organisationId")
            .ResolveAsync(async c => await c.Svc<AutomationClientService>().ListAsync(c.GetOptionalId("organisationId"), c.CancellationToken));

        // Top-level, not Service.logs: one explicit engine read per request, never one per service of a list.
        Field<NonNullGraphType<ServiceLogsType>>("serviceLogs")
            .Description("A service's container logs, read from its engine now (bounded by maxBytes and the engine timeout). Owners, members and platform staff.")
            .Argument<NonNullGraphType<IdGraphType>>("serviceId")
            .Argument<IntGraphType>("tail", a => { a.DefaultValue = ServiceLogReader.DefaultTail; a.Description = $"Last lines per container, 1–{ServiceLogReader.MaxTail}; since/until filter within them."; })
            .Argument<DateTimeOffsetGraphType>("since", "Only lines at or after this time.")
            .Argument<DateTimeOffsetGraphType>("until", "Only lines at or before this time.")
            .Argument<IntGraphType>("maxBytes", a => { a.DefaultValue = ServiceLogReader.DefaultMaxBytes; a.Description = "Stop reading after this many bytes (timestamps included), shared by the containers; at most 4 MiB."; })
            .ResolveAsync(async c => await c.Svc<ServiceLogReader>().ReadAsync(
                c.GetId("serviceId"),
                new LogRequest(c.GetArgument<int?>("tail"), c.GetArgument<DateTimeOffset?>("since"), c.GetArgument<DateTimeOffset?>("until"), c.GetArgument<int?>("maxBytes")),
                c.CancellationToken));

        AlertFields.AddQueries(this);
    }
}

internal static class FieldBuilderExtensions
{
    public static global::GraphQL.Builders.FieldBuilder<TSource, TReturn> PageArguments<TSource, TReturn>(this global::GraphQL.Builders.FieldBuilder<TSource, TReturn> field) =>
        field.Argument<IntGraphType>("first", a => { a.DefaultValue = 20; a.Description = "Page size, at most 100."; })
            .Argument<StringGraphType>("after", "Cursor of the last item of the previous page.");
}
