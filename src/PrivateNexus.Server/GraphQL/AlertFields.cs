using GraphQL;
using GraphQL.Types;
using GraphQL.Types.Relay;
using PrivateNexus.Server.Events;
using PrivateNexus.Server.Features.Alerts;
using PrivateNexus.Server.GraphQL.Subscriptions;
using PrivateNexus.Server.GraphQL.Types;

namespace PrivateNexus.Server.GraphQL;

/// <summary>The alerting fields of the root types, kept together; each is a thin call into a feature service.</summary>
internal static class AlertFields
{
    public static void AddQueries(ObjectGraphType query)
    {
        query.Field<NonNullGraphType<ConnectionType<AlertType>>>("alerts")
            .Description("Alerts you may see, newest first: a client's for its people, every client's and the platform's for staff.")
            .PageArguments()
            .Argument<IdGraphType>("clientId")
            .Argument<AlertStateType>("state")
            .ResolveAsync(async c => (await c.Svc<AlertService>().ListAsync(
                new AlertFilter(c.GetOptionalId("clientId"), c.GetArgument<AlertState?>("state")), c.GetPage(), c.CancellationToken)).ToConnection());

        query.Field<NonNullGraphType<ListGraphType<NonNullGraphType<AlertRuleType>>>>("alertRules")
            .Description("A client's alert rules (its people), or without clientId the platform-wide ones (staff).")
            .Argument<IdGraphType>("clientId")
            .ResolveAsync(async c => await c.Svc<AlertRuleService>().ListAsync(c.GetOptionalId("clientId"), c.CancellationToken));

        query.Field<NonNullGraphType<ListGraphType<NonNullGraphType<NotificationChannelType>>>>("notificationChannels")
            .Description("A client's notification channels (owners), or without clientId the platform's (staff).")
            .Argument<IdGraphType>("clientId")
            .ResolveAsync(async c => await c.Svc<NotificationChannelService>().ListAsync(c.GetOptionalId("clientId"), c.CancellationToken));
    }

    public static void AddMutations(ObjectGraphType mutation)
    {
        mutation.Field<NonNullGraphType<AlertRuleType>>("createAlertRule")
            .Argument<NonNullGraphType<CreateAlertRuleInputType>>("input")
            .ResolveAsync(async c => await c.Svc<AlertRuleService>().CreateAsync(c.GetArgument<CreateAlertRuleInput>("input"), c.CancellationToken));
        mutation.Field<NonNullGraphType<AlertRuleType>>("updateAlertRule")
            .Description("Changes the fields given; sending what is already there changes nothing.")
            .Argument<NonNullGraphType<UpdateAlertRuleInputType>>("input")
            .ResolveAsync(async c => await c.Svc<AlertRuleService>().UpdateAsync(c.GetArgument<UpdateAlertRuleInput>("input"), c.CancellationToken));
        mutation.Field<NonNullGraphType<IdGraphType>>("deleteAlertRule")
            .Description("Deletes the rule with its alerts and their history.")
            .Argument<NonNullGraphType<IdGraphType>>("id")
            .ResolveAsync(async c => await c.Svc<AlertRuleService>().DeleteAsync(c.GetId(), c.CancellationToken));

        mutation.Field<NonNullGraphType<NotificationChannelType>>("createNotificationChannel")
            .Argument<NonNullGraphType<CreateNotificationChannelInputType>>("input")
            .ResolveAsync(async c => await c.Svc<NotificationChannelService>().CreateAsync(c.GetArgument<CreateNotificationChannelInput>("input"), c.CancellationToken));
        mutation.Field<NonNullGraphType<NotificationChannelType>>("updateNotificationChannel")
            .Argument<NonNullGraphType<UpdateNotificationChannelInputType>>("input")
            .ResolveAsync(async c => await c.Svc<NotificationChannelService>().UpdateAsync(c.GetArgument<UpdateNotificationChannelInput>("input"), c.CancellationToken));
        mutation.Field<NonNullGraphType<IdGraphType>>("deleteNotificationChannel")
            .Description("Deletes the channel; rules that named it stop naming it.")
            .Argument<NonNullGraphType<IdGraphType>>("id")
            .ResolveAsync(async c => await c.Svc<NotificationChannelService>().DeleteAsync(c.GetId(), c.CancellationToken));
        mutation.Field<NonNullGraphType<ChannelTestResultType>>("testNotificationChannel")
            .Description("Sends a test message to the channel now (at most 20 s) and says whether it was taken.")
            .Argument<NonNullGraphType<IdGraphType>>("id")
            .ResolveAsync(async c => await c.Svc<NotificationChannelService>().TestAsync(c.GetId(), c.CancellationToken));
    }

    public static void AddSubscriptions(ObjectGraphType subscription)
    {
        subscription.Field<NonNullGraphType<AlertType>>("alertChanged")
            .Description("An alert fired or resolved. Without clientId: every alert you may see (platform-wide ones for staff).")
            .Argument<IdGraphType>("clientId")
            .ResolveStreamAsync(async c =>
            {
                var clientId = c.GetOptionalId("clientId");
                await c.Svc<AlertService>().AuthorizeWatchAsync(clientId, c.CancellationToken);
                return c.Svc<EventStreams>().Create(c, new EventFeed<AlertChanged>(
                    "alertChanged",
                    e => clientId is null || e.ClientId == clientId,
                    (actor, e) => AlertService.MayRead(actor, e.ClientId),
                    async (services, e, ct) => await services.GetRequiredService<AlertService>().FindVisibleAsync(e.AlertId, ct)));
            });
    }
}
