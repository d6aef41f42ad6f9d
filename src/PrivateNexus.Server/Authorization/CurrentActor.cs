using System.Security.Claims;
using PrivateNexus.Server.Features.Audit;

namespace PrivateNexus.Server.Authorization;

/// <summary>Resolves the calling <see cref="Actor"/> for this request (scoped; computed once).</summary>
public sealed class CurrentActor(IHttpContextAccessor http, ActorDirectory directory)
{
    private Actor? _actor;
    private ClaimsPrincipal? _principal;

    /// <summary>Set by non-HTTP callers (CLI commands, background work) before using feature services.</summary>
    public void Set(Actor actor) => _actor = actor;

    /// <summary>
    /// For callers authenticated other than by this HTTP request (a WebSocket's connection_init): the
    /// actor is resolved from this principal, through the same directory, when first needed.
    /// </summary>
    public void SetPrincipal(ClaimsPrincipal principal)
    {
        _principal = principal;
        _actor = null;
    }

    public async ValueTask<Actor> GetAsync(CancellationToken cancellationToken = default)
    {
        return _actor ??= await ResolveAsync(_principal ?? http.HttpContext?.User, cancellationToken);
    }

    private async Task<Actor> ResolveAsync(ClaimsPrincipal? principal, CancellationToken cancellationToken)
    {
        if (principal?.Identity?.IsAuthenticated != true)
        {
            return Actor.Anonymous;
        }

        var scopes = principal.FindAll(PnxClaims.Scope)
            .SelectMany(c => c.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .ToHashSet(StringComparer.Ordinal);

        if (principal.FindFirstValue(PnxClaims.Application) is { } clientId)
        {
            var app = await directory.GetApplicationAsync(clientId, cancellationToken);
            return app is { Active: true }
                ? new Actor(ActorType.Application, clientId, app.Name, null, app.PlatformRole, app.ClientRoles, scopes)
                : Actor.Anonymous;
        }

        if (!Guid.TryParse(principal.FindFirstValue(PnxClaims.Subject), out var userId))
        {
            return Actor.Anonymous;
        }

        var user = await directory.GetUserAsync(userId, cancellationToken);
        if (user is not { Active: true })
        {
            return Actor.Anonymous;
        }

        var type = principal.HasClaim(c => c.Type == PnxClaims.ApiTokenId) ? ActorType.ApiToken : ActorType.User;
        return new Actor(type, userId.ToString(), user.Name, userId, user.PlatformRole, user.ClientRoles, scopes);
    }
}
