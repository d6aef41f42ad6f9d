using GraphQL;
using GraphQL.Types;
using PrivateNexus.Server.Features.Alerts;

namespace PrivateNexus.Server.GraphQL.Types;

public sealed class AlertKindType : EnumerationGraphType<AlertKind>;

public sealed class AlertSeverityType : EnumerationGraphType<AlertSeverity>;

public sealed class AlertStateType : EnumerationGraphType<AlertState>;

public sealed class AlertTargetTypeType : EnumerationGraphType<AlertTargetType>
{
    public AlertTargetTypeType() => Name = "AlertTargetType";
}

public sealed class ChannelTypeType : EnumerationGraphType<ChannelType>
{
    public ChannelTypeType() => Name = "ChannelType";
}

public sealed class AlertType : ObjectGraphType<Alert>
{
    public AlertType()
    {
        Name = "Alert";
        Description = "One rule's alert about one target (a service, node or client), kept across its firing and resolved periods.";
        Field<NonNullGraphType<IdGraphType>>("id").Resolve(c => c.Source.Id);
        Field<NonNullGraphType<IdGraphType>>("ruleId").Resolve(c => c.Source.RuleId);
        Field<IdGraphType>("clientId").Description("Null for platform-wide alerts.").Resolve(c => c.Source.ClientId);
        Field(a => a.Fingerprint).Description("Unique per rule and target.");
        Field<NonNullGraphType<AlertKindType>>("kind").Resolve(c => c.Source.Kind);
        Field<NonNullGraphType<AlertSeverityType>>("severity").Resolve(c => c.Source.Severity);
        Field<NonNullGraphType<AlertStateType>>("state").Resolve(c => c.Source.State);
        Field<NonNullGraphType<AlertTargetTypeType>>("targetType").Resolve(c => c.Source.TargetType);
        Field<NonNullGraphType<IdGraphType>>("targetId").Resolve(c => c.Source.TargetId);
        Field(a => a.TargetName);
        Field(a => a.ActiveAt).Description("Since when the condition holds (pending since).");
        Field(a => a.StartsAt, nullable: true).Description("When it last started firing.");
        Field(a => a.EndsAt, nullable: true).Description("When it last resolved.");
        Field(a => a.LastValue, nullable: true).Description("Running containers, restarts, unhealthy containers or percent, by kind.");
        Field(a => a.Summary);
        Field(a => a.LastEvaluatedAt).Description("Last evaluated while pending or firing (or as it resolved).");
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<AlertTransitionType>>>>("transitions")
            .Description("Its firing and resolved transitions, newest first (batched across the alerts of a list).")
            .Argument<IntGraphType>("first", a => { a.DefaultValue = 20; a.Description = $"At most {AlertService.MaxTransitions}."; })
            .Resolve(context =>
            {
                var first = context.GetArgument<int>("first");
                var loader = context.Svc<BatchLoaders>().Get<Guid, IReadOnlyList<AlertTransition>>($"alert.transitions:{first}", async (ids, ct) =>
                {
                    var lookup = await context.Svc<AlertService>().TransitionsAsync(ids, first, ct);
                    return ids.ToDictionary(id => id, id => (IReadOnlyList<AlertTransition>)[.. lookup[id]]);
                });
                return loader.Load(context.Source.Id).Map(list => list ?? []);
            });
    }
}

public sealed class AlertTransitionType : ObjectGraphType<AlertTransition>
{
    public AlertTransitionType()
    {
        Name = "AlertTransition";
        Field<NonNullGraphType<IdGraphType>>("id").Resolve(c => c.Source.Id);
        Field<NonNullGraphType<AlertStateType>>("state").Resolve(c => c.Source.State);
        Field(t => t.At);
        Field(t => t.Value, nullable: true);
        Field(t => t.Summary);
    }
}

public sealed class AlertRuleType : ObjectGraphType<AlertRule>
{
    public AlertRuleType()
    {
        Name = "AlertRule";
        Field<NonNullGraphType<IdGraphType>>("id").Resolve(c => c.Source.Id);
        Field<IdGraphType>("clientId").Description("Null for platform-wide rules.").Resolve(c => c.Source.ClientId);
        Field(r => r.Name);
        Field<NonNullGraphType<AlertKindType>>("kind").Resolve(c => c.Source.Kind);
        Field<IdGraphType>("serviceId").Description("Only this service; null: every service in scope.").Resolve(c => c.Source.ServiceId);
        Field(r => r.Threshold, nullable: true).Description("Restarts (RESTART_LOOP) or percent (CPU_HIGH, MEMORY_HIGH, QUOTA_NEARLY_USED).");
        Field<NonNullGraphType<StringGraphType>>("window").Description("Restarts are counted, and CPU averaged, over this long (0s: unused).").Resolve(c => AlertDurations.Format(c.Source.Window));
        Field<NonNullGraphType<StringGraphType>>("for").Description("The condition must hold this long before the alert fires.").Resolve(c => AlertDurations.Format(c.Source.For));
        Field<NonNullGraphType<StringGraphType>>("keepFiringFor").Description("The condition must stay clear this long before the alert resolves.").Resolve(c => AlertDurations.Format(c.Source.KeepFiringFor));
        Field<NonNullGraphType<StringGraphType>>("repeatInterval").Description("A still-firing alert is sent again at most this often (0s: never).").Resolve(c => AlertDurations.Format(c.Source.RepeatInterval));
        Field<NonNullGraphType<AlertSeverityType>>("severity").Resolve(c => c.Source.Severity);
        Field(r => r.Enabled);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<IdGraphType>>>>("channelIds").Resolve(c => c.Source.ChannelIds);
        Field(r => r.CreatedAt);
        Field(r => r.UpdatedAt);
        Field(r => r.Version).Description("Pass as expectedVersion to update only what you have seen.");
    }
}

public sealed class NotificationChannelType : ObjectGraphType<NotificationChannel>
{
    public NotificationChannelType()
    {
        Name = "NotificationChannel";
        Field<NonNullGraphType<IdGraphType>>("id").Resolve(c => c.Source.Id);
        Field<IdGraphType>("clientId").Description("Null for platform channels.").Resolve(c => c.Source.ClientId);
        Field(n => n.Name);
        Field<NonNullGraphType<ChannelTypeType>>("type").Resolve(c => c.Source.Type);
        Field(n => n.Url, nullable: true);
        Field<NonNullGraphType<BooleanGraphType>>("hasSecret").Description("Whether a signing secret is set; the secret itself is write-only.").Resolve(c => c.Source.SecretCiphertext is not null);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<StringGraphType>>>>("recipients").Resolve(c => c.Source.Recipients);
        Field(n => n.Enabled);
        Field(n => n.CreatedAt);
        Field(n => n.UpdatedAt);
        Field(n => n.Version);
    }
}

public sealed class ChannelTestResultType : ObjectGraphType<ChannelTestResult>
{
    public ChannelTestResultType()
    {
        Name = "ChannelTestResult";
        Field(r => r.Ok).Description("The channel took the test message (webhook answered 2xx, mail server accepted it).");
        Field(r => r.Error, nullable: true);
    }
}

public sealed class CreateAlertRuleInputType : InputObjectGraphType<CreateAlertRuleInput>
{
    public CreateAlertRuleInputType()
    {
        Name = "CreateAlertRuleInput";
        Field<IdGraphType>("clientId").Description("Leave out for a platform-wide rule (staff).");
        Field<NonNullGraphType<StringGraphType>>("name");
        Field<NonNullGraphType<AlertKindType>>("kind");
        Field<IdGraphType>("serviceId");
        Field<FloatGraphType>("threshold");
        Field<StringGraphType>("window").Description("RESTART_LOOP (10s–1d, default 5m) and CPU_HIGH (30s–1h, default 1m).");
        Field<StringGraphType>("for").Description("0s–1d; defaults by kind.");
        Field<StringGraphType>("keepFiringFor").Description("0s–1d; defaults by kind.");
        Field<StringGraphType>("repeatInterval").Description("0s (never) or 1m–30d; default 4h.");
        Field<AlertSeverityType>("severity");
        Field<BooleanGraphType>("enabled");
        Field<ListGraphType<NonNullGraphType<IdGraphType>>>("channelIds");
    }
}

public sealed class UpdateAlertRuleInputType : InputObjectGraphType<UpdateAlertRuleInput>
{
    public UpdateAlertRuleInputType()
    {
        Name = "UpdateAlertRuleInput";
        Field<NonNullGraphType<IdGraphType>>("id");
        Field<StringGraphType>("name");
        Field<IdGraphType>("serviceId");
        Field<FloatGraphType>("threshold");
        Field<StringGraphType>("window");
        Field<StringGraphType>("for");
        Field<StringGraphType>("keepFiringFor");
        Field<StringGraphType>("repeatInterval");
        Field<AlertSeverityType>("severity");
        Field<BooleanGraphType>("enabled");
        Field<ListGraphType<NonNullGraphType<IdGraphType>>>("channelIds");
        Field<LongGraphType>("expectedVersion");
    }
}

public sealed class CreateNotificationChannelInputType : InputObjectGraphType<CreateNotificationChannelInput>
{
    public CreateNotificationChannelInputType()
    {
        Name = "CreateNotificationChannelInput";
        Field<IdGraphType>("clientId").Description("Leave out for a platform channel (staff).");
        Field<NonNullGraphType<StringGraphType>>("name");
        Field<NonNullGraphType<ChannelTypeType>>("type");
        Field<StringGraphType>("url").Description("WEBHOOK: where payloads are POSTed.");
        Field<StringGraphType>("secret").Description($"WEBHOOK: signs the payloads (HMAC-SHA256), at least {NotificationChannelService.MinSecretLength} characters; write-only.");
        Field<ListGraphType<NonNullGraphType<StringGraphType>>>("recipients").Description("EMAIL: 1 to 20 addresses.");
        Field<BooleanGraphType>("enabled");
    }
}

public sealed class UpdateNotificationChannelInputType : InputObjectGraphType<UpdateNotificationChannelInput>
{
    public UpdateNotificationChannelInputType()
    {
        Name = "UpdateNotificationChannelInput";
        Field<NonNullGraphType<IdGraphType>>("id");
        Field<StringGraphType>("name");
        Field<StringGraphType>("url");
        Field<StringGraphType>("secret").Description("Leave out to keep the stored one.");
        Field<ListGraphType<NonNullGraphType<StringGraphType>>>("recipients");
        Field<BooleanGraphType>("enabled");
        Field<LongGraphType>("expectedVersion");
    }
}
