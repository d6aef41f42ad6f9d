using OpenIddict.Server;
using PrivateNexus.Server.Authorization;
using PrivateNexus.Server.Features.Audit;

namespace PrivateNexus.Server.Identity;

/// <summary>Audits every answer of the token endpoint: issued tokens and refused requests alike.</summary>
internal sealed class TokenResponseAuditor(AuditLog audit) : IOpenIddictServerHandler<OpenIddictServerEvents.ApplyTokenResponseContext>
{
    public async ValueTask HandleAsync(OpenIddictServerEvents.ApplyTokenResponseContext context)
    {
        var request = context.Request;
        var grant = request?.GrantType ?? "unknown";
        var clientId = request?.ClientId;
        var failed = !string.IsNullOrEmpty(context.Error);
        var actor = new Actor(
            clientId is null ? ActorType.Anonymous : ActorType.Application, clientId, clientId ?? "anonymous", null,
            Features.Users.PlatformRole.None, new Dictionary<Guid, Features.Memberships.ClientRole>(), new HashSet<string>());
        await audit.RecordNowAsync(
            actor,
            grant == "refresh_token" ? "auth.token.refresh" : "auth.token",
            new("oauth-client", clientId, null),
            failed ? AuditOutcome.Failed : AuditOutcome.Success,
            failed ? new { grant, error = context.Error, description = context.Response?.ErrorDescription } : new { grant },
            context.CancellationToken);
    }
}
