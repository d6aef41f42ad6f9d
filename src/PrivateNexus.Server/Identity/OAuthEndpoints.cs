using System.Collections.Immutable;
using System.Security.Claims;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using PrivateNexus.Server.Authorization;
using PrivateNexus.Server.Data;
using PrivateNexus.Server.Features.Audit;
using PrivateNexus.Server.Features.Users;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace PrivateNexus.Server.Identity;

/// <summary>The passthrough endpoints of the OAuth server: OpenIddict validates, these decide.</summary>
public static class OAuthEndpoints
{
    public const string TokenPath = "/connect/token";

    public static IEndpointRouteBuilder MapPnxOAuth(this IEndpointRouteBuilder app)
    {
        app.MapMethods("/connect/authorize", ["GET", "POST"], AuthorizeAsync).DisableAntiforgery();
        app.MapPost(TokenPath, TokenAsync).DisableAntiforgery().RequireRateLimiting(IdentitySetup.AuthRateLimit);
        app.MapMethods("/connect/userinfo", ["GET", "POST"], UserInfoAsync).DisableAntiforgery();
        app.MapMethods("/connect/logout", ["GET", "POST"], LogoutAsync).DisableAntiforgery();
        return app;
    }

    /// <summary>Code flow: a signed-in session gets a code at once (first-party clients, no consent screen).</summary>
    private static async Task<IResult> AuthorizeAsync(HttpContext context, UserManager<User> users)
    {
        var request = context.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("Not an OpenID Connect request.");
        var session = await context.AuthenticateAsync(IdentityConstants.ApplicationScheme);
        var user = session.Succeeded ? await users.GetUserAsync(session.Principal) : null;
        if (user is null || user.Status != UserStatus.Active || request.HasPromptValue(PromptValues.Login))
        {
            if (request.HasPromptValue(PromptValues.None))
            {
                return Forbid(Errors.LoginRequired, "The user is not signed in.");
            }

            var returnUrl = context.Request.PathBase + context.Request.Path + QueryString.Create(
                context.Request.HasFormContentType ? context.Request.Form.ToList() : context.Request.Query.ToList());
            return Results.Challenge(new AuthenticationProperties { RedirectUri = returnUrl }, [IdentityConstants.ApplicationScheme]);
        }

        var principal = CreateUserPrincipal(user, request.GetScopes());
        return Results.SignIn(principal, authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    private static async Task<IResult> TokenAsync(
        HttpContext context, UserManager<User> users, PnxDbContext db, IOpenIddictApplicationManager applications)
    {
        var request = context.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("Not an OpenID Connect request.");
        if (request.IsClientCredentialsGrantType())
        {
            var app = await db.AutomationClients.AsNoTracking().SingleOrDefaultAsync(a => a.ClientIdentifier == request.ClientId, context.RequestAborted);
            if (app is null || app.RevokedAt is not null)
            {
                return Forbid(Errors.InvalidClient, "The application is not registered or was revoked.");
            }

            var identity = new ClaimsIdentity(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme, Claims.Name, Claims.Role);
            identity.SetClaim(Claims.Subject, app.ClientIdentifier)
                .SetClaim(Claims.Name, app.DisplayName)
                .SetClaim(PnxClaims.Application, app.ClientIdentifier);
            identity.SetScopes(request.GetScopes().Intersect(app.Scopes, StringComparer.Ordinal));
            identity.SetDestinations(_ => [Destinations.AccessToken]);
            return Results.SignIn(new ClaimsPrincipal(identity), authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        }

        if (request.IsAuthorizationCodeGrantType() || request.IsRefreshTokenGrantType())
        {
            // The code or refresh token was validated by OpenIddict; re-check the user as of now.
            var result = await context.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
            var user = result.Principal?.GetClaim(Claims.Subject) is { } sub ? await users.FindByIdAsync(sub) : null;
            if (user is null || user.Status != UserStatus.Active)
            {
                return Forbid(Errors.InvalidGrant, "The user no longer exists or is disabled.");
            }

            return Results.SignIn(CreateUserPrincipal(user, result.Principal!.GetScopes()), authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        }

        return Forbid(Errors.UnsupportedGrantType, "This grant type is not supported.");
    }

    private static async Task<IResult> UserInfoAsync(HttpContext context, UserManager<User> users)
    {
        var result = await context.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        var user = result.Principal?.GetClaim(Claims.Subject) is { } sub ? await users.FindByIdAsync(sub) : null;
        if (user is null)
        {
            return Results.Challenge(authenticationSchemes: [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
        }

        var claims = new Dictionary<string, object>(StringComparer.Ordinal) { [Claims.Subject] = user.Id.ToString() };
        var principal = result.Principal!;
        if (principal.HasScope(Scopes.Email))
        {
            claims[Claims.Email] = user.Email ?? "";
            claims[Claims.EmailVerified] = user.EmailConfirmed;
        }

        if (principal.HasScope(Scopes.Profile))
        {
            claims[Claims.Name] = user.DisplayName;
        }

        return Results.Ok(claims);
    }

    private static async Task<IResult> LogoutAsync(HttpContext context, AuditLog audit, CurrentActor current)
    {
        var actor = await current.GetAsync(context.RequestAborted);
        await context.SignOutAsync(IdentityConstants.ApplicationScheme);
        if (actor.IsAuthenticated)
        {
            await audit.RecordNowAsync(actor, "auth.logout", AuditTarget.None, AuditOutcome.Success, cancellationToken: context.RequestAborted);
        }

        return Results.SignOut(new AuthenticationProperties { RedirectUri = "/" }, [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
    }

    internal static ClaimsPrincipal CreateUserPrincipal(User user, ImmutableArray<string> requestedScopes)
    {
        var identity = new ClaimsIdentity(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, user.Id.ToString())
            .SetClaim(Claims.Email, user.Email)
            .SetClaim(Claims.Name, user.DisplayName);
        var allowed = new HashSet<string>(StringComparer.Ordinal)
        {
            Scopes.OpenId, Scopes.Profile, Scopes.Email, Scopes.OfflineAccess, ApiScopes.Read, ApiScopes.Write,
        };
        identity.SetScopes(requestedScopes.Where(allowed.Contains));
        identity.SetDestinations(claim => claim.Type switch
        {
            Claims.Name or Claims.Email when identity.HasScope(Scopes.Profile) || identity.HasScope(Scopes.Email) =>
                [Destinations.AccessToken, Destinations.IdentityToken],
            Claims.Subject => [Destinations.AccessToken, Destinations.IdentityToken],
            _ => [Destinations.AccessToken],
        });
        return new ClaimsPrincipal(identity);
    }

    private static IResult Forbid(string error, string description) => Results.Forbid(
        new AuthenticationProperties(new Dictionary<string, string?>
        {
            [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
            [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
        }),
        [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
}
