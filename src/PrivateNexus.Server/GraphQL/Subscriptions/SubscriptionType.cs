using GraphQL;
using GraphQL.Types;
using PrivateNexus.Server.Authorization;
using PrivateNexus.Server.Events;
using PrivateNexus.Server.Features.Audit;
using PrivateNexus.Server.Features.Deployments;
using PrivateNexus.Server.Features.Nodes;
using PrivateNexus.Server.Features.Services;
using PrivateNexus.Server.GraphQL.Types;

namespace PrivateNexus.Server.GraphQL.Subscriptions;

/// <summary>
/// Real-time side, over WebSocket (graphql-transport-ws). Subscribing is a request like any other:
/// the feature services check it (and audit a refusal). Every event is then checked again, silently,
/// when it is delivered, by the same services' rules. Resolvers only wire the two together.
/// </summary>
public sealed class SubscriptionType : ObjectGraphType
{
    public SubscriptionType()
    {
        Name = "Subscription";

        Field<NonNullGraphType<ServiceEventType>>("serviceStatusChanged")
            .Description("A service's live status, instances or desired state changed, or it was removed. Without arguments: every service you may see.")
            .Argument<IdGraphType>("clientId")
            .Argument<IdGraphType>("serviceId")
            .ResolveStreamAsync(async c =>
            {
                var serviceId = c.GetOptionalId("serviceId");
                var clientId = await c.Svc<ServiceManager>().AuthorizeWatchAsync(c.GetOptionalId("clientId"), serviceId, c.CancellationToken);
                return c.Svc<EventStreams>().Create(c, new EventFeed<ServiceChanged>(
                    "serviceStatusChanged",
                    e => (clientId is null || e.ClientId == clientId) && (serviceId is null || e.ServiceId == serviceId),
                    (actor, e) => ServiceManager.MayRead(actor, e.ClientId),
                    async (services, e, ct) => e.Removed
                        ? new ServiceEvent(ServiceEventKind.Removed, e.ServiceId, e.ClientId, null)
                        : await services.GetRequiredService<ServiceManager>().FindVisibleAsync(e.ServiceId, ct) is { } service
                            ? new ServiceEvent(ServiceEventKind.Changed, e.ServiceId, e.ClientId, service)
                            : null,
                    CoalesceKey: e => e.ServiceId));
            });

        Field<NonNullGraphType<DeploymentType>>("deploymentProgress")
            .Description("The deployment now, then each step, progress and its outcome; completes once it has finished.")
            .Argument<NonNullGraphType<IdGraphType>>("deploymentId")
            .ResolveStreamAsync(async c =>
            {
                var deployment = await c.Svc<DeploymentService>().GetAsync(c.GetId("deploymentId"), c.CancellationToken);
                return c.Svc<EventStreams>().Create(
                    c,
                    new EventFeed<DeploymentChanged>(
                        "deploymentProgress",
                        e => e.DeploymentId == deployment.Id,
                        (actor, e) => ServiceManager.MayRead(actor, e.ClientId),
                        async (services, e, ct) => await services.GetRequiredService<DeploymentService>().FindVisibleAsync(e.DeploymentId, ct),
                        CoalesceKey: e => e.DeploymentId,
                        IsLast: payload => payload is Deployment { Status: not (DeploymentStatus.Pending or DeploymentStatus.InProgress) }),
                    initial: async (services, ct) => await services.GetRequiredService<DeploymentService>().FindVisibleAsync(deployment.Id, ct));
            });

        Field<NonNullGraphType<NodeType>>("nodeStatusChanged")
            .Description("A node was added or changed, or its live status (online, degraded, offline) changed. Platform staff.")
            .Argument<IdGraphType>("nodeId")
            .ResolveStreamAsync(async c =>
            {
                var nodeId = c.GetOptionalId("nodeId");
                await c.Svc<NodeService>().AuthorizeWatchAsync(nodeId, c.CancellationToken);

                return c.Svc<EventStreams>().Create(c, new EventFeed<NodeChanged>(
                    "nodeStatusChanged",
                    e => nodeId is null || e.NodeId == nodeId,
                    (actor, _) => NodeService.MayRead(actor),
                    async (services, e, ct) => await services.GetRequiredService<NodeService>().FindVisibleAsync(e.NodeId, ct),
                    CoalesceKey: e => e.NodeId));
            });

        Field<NonNullGraphType<ServiceLogLineType>>("serviceLogs")
            .Description("A service's log lines as its containers write them (each instance, and new ones as they start), after the last `tail` lines of each. Owners, members and platform staff.")
            .Argument<NonNullGraphType<IdGraphType>>("serviceId")
            .Argument<IntGraphType>("tail", a => { a.DefaultValue = ServiceLogFollower.DefaultTail; a.Description = $"Lines of history per instance first, 0–{ServiceLogReader.MaxTail}."; })
            .ResolveStreamAsync(async c =>
            {
                var streams = c.Svc<EventStreams>();
                var subscriber = EventStreams.SubscriberOf(c);
                var lines = await c.Svc<ServiceLogFollower>().FollowAsync(
                    c.GetId("serviceId"), c.GetArgument<int?>("tail"), ct => streams.ActorAsync(subscriber, ct), c.CancellationToken);
                return streams.FromAsyncEnumerable(subscriber, lines);
            });

        Field<NonNullGraphType<AuditEventType>>("auditEventAdded")
            .Description("Each audit event as it is written: all of them for admins, a client's for its owners.")
            .Argument<IdGraphType>("clientId")
            .ResolveStreamAsync(async c =>
            {
                var clientId = c.GetOptionalId("clientId");
                await c.Svc<AuditQueryService>().AuthorizeWatchAsync(clientId, c.CancellationToken);

                return c.Svc<EventStreams>().Create(c, new EventFeed<AuditEventAdded>(
                    "auditEventAdded",
                    e => clientId is null || e.ClientId == clientId,
                    (a, e) => AuditQueryService.MayRead(a, e.ClientId),
                    async (services, e, ct) => await services.GetRequiredService<AuditQueryService>().FindVisibleAsync(e.AuditEventId, ct)));
            });

        AlertFields.AddSubscriptions(this);
    }
}
