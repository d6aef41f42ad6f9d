using GraphQL.Types;
using PrivateNexus.Server.Features.ApiTokens;
using PrivateNexus.Server.Features.Audit;
using PrivateNexus.Server.Features.Automation;

namespace PrivateNexus.Server.GraphQL.Types;

public sealed class AuditEventType : ObjectGraphType<AuditEvent>
{
    public AuditEventType()
    {
        Name = "AuditEvent";
        Field<NonNullGraphType<IdGraphType>>("id").Resolve(c => c.Source.Id);
        Field(a => a.Time);
        Field<NonNullGraphType<ActorTypeType>>("actorType").Resolve(c => c.Source.ActorType);
        Field(a => a.ActorId, nullable: true);
        Field(a => a.ActorName, nullable: true);
        Field(a => a.Action);
        Field(a => a.TargetType, nullable: true);
        Field(a => a.TargetId, nullable: true);
        Field<IdGraphType>("clientId").Resolve(c => c.Source.ClientId);
        Field<NonNullGraphType<AuditOutcomeType>>("outcome").Resolve(c => c.Source.Outcome);
        Field(a => a.SourceIp, nullable: true);
        Field(a => a.Details, nullable: true).Description("JSON; secrets are redacted before they are written.");
        Field(a => a.CorrelationId, nullable: true);
    }
}

public sealed class ApiTokenType : ObjectGraphType<ApiToken>
{
    public ApiTokenType()
    {
        Name = "ApiToken";
        Field<NonNullGraphType<IdGraphType>>("id").Resolve(c => c.Source.Id);
        Field(t => t.Name);
        Field(t => t.Prefix).Description("The first characters of the token, to tell tokens apart.");
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<StringGraphType>>>>("scopes").Resolve(c => c.Source.Scopes);
        Field(t => t.CreatedAt);
        Field(t => t.ExpiresAt);
        Field(t => t.LastUsedAt, nullable: true);
        Field(t => t.RevokedAt, nullable: true);
    }
}

public sealed class CreateApiTokenInputType : InputObjectGraphType<CreateApiTokenInput>
{
    public CreateApiTokenInputType()
    {
        Name = "CreateApiTokenInput";
        Field<NonNullGraphType<StringGraphType>>("name");
        Field<ListGraphType<NonNullGraphType<StringGraphType>>>("scopes").Description("api:read, api:write (default: both)");
        Field<IntGraphType>("expiresInDays").Description("1–366, default 90");
    }
}

public sealed class CreateApiTokenPayloadType : ObjectGraphType<CreatedApiToken>
{
    public CreateApiTokenPayloadType()
    {
        Name = "CreateApiTokenPayload";
        Field<NonNullGraphType<ApiTokenType>>("apiToken").Resolve(c => c.Source.Token);
        Field(p => p.Secret).Description("The token itself. Shown only now; store it safely.");
    }
}

public sealed class AutomationClientType : ObjectGraphType<AutomationClient>
{
    public AutomationClientType()
    {
        Name = "AutomationClient";
        Field<NonNullGraphType<IdGraphType>>("id").Resolve(c => c.Source.Id);
        Field<NonNullGraphType<StringGraphType>>("clientId").Description("The OAuth client_id.").Resolve(c => c.Source.ClientIdentifier);
        Field(a => a.DisplayName);
        Field<IdGraphType>("organisationId").Description("The client organisation it acts for; null for a platform application.").Resolve(c => c.Source.OrganisationId);
        Field(a => a.Role);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<StringGraphType>>>>("scopes").Resolve(c => c.Source.Scopes);
        Field(a => a.CreatedAt);
        Field(a => a.RevokedAt, nullable: true);
    }
}

public sealed class CreateAutomationClientInputType : InputObjectGraphType<CreateAutomationClientInput>
{
    public CreateAutomationClientInputType()
    {
        Name = "CreateAutomationClientInput";
        Field<NonNullGraphType<StringGraphType>>("name");
        Field<IdGraphType>("organisationId").Description("Bind to this client organisation; leave out for a platform application.");
        Field<NonNullGraphType<StringGraphType>>("role").Description("OWNER/MEMBER/VIEWER for a bound one, ADMIN/OPERATOR for a platform one.");
        Field<ListGraphType<NonNullGraphType<StringGraphType>>>("scopes");
    }
}

public sealed class CreateAutomationClientPayloadType : ObjectGraphType<CreatedAutomationClient>
{
    public CreateAutomationClientPayloadType()
    {
        Name = "CreateAutomationClientPayload";
        Field<NonNullGraphType<AutomationClientType>>("automationClient").Resolve(c => c.Source.Client);
        Field(p => p.ClientSecret).Description("The OAuth client_secret. Shown only now.");
    }
}
