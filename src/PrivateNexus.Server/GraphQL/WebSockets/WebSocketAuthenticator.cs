using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using OpenIddict.Abstractions;
using OpenIddict.Validation;
using PrivateNexus.Server.Authorization;
using PrivateNexus.Server.Features.ApiTokens;
using PrivateNexus.Server.Identity;

namespace PrivateNexus.Server.GraphQL.WebSockets;

/// <summary>A credential a socket presented, validated; <see cref="ExpiresAt"/> when it stops being valid (if it says).</summary>
public sealed record SocketCredential(string Authorization, ClaimsPrincipal Principal, DateTimeOffset? ExpiresAt)
{
    /// <summary>The user or application it acts for: the unit of the per-user connection limit.</summary>
    public string Subject => Principal.FindFirst(PnxClaims.Application)?.Value ?? Principal.FindFirst(PnxClaims.Subject)?.Value ?? "?";
}

/// <summary>
/// Validates the access token a socket sends in connection_init (or a re-authenticating ping) as an
/// HTTP request's <c>Authorization</c> header is validated — OAuth access token (OpenIddict, same
/// validated-token cache) or personal API token (its own handler) — and tells whether its principal
/// is still an active actor.
/// </summary>
public sealed class WebSocketAuthenticator(IServiceScopeFactory scopes, ValidatedTokenCache tokens, TimeProvider time)
{
    public async Task<SocketCredential?> AuthenticateAsync(HttpRequest upgrade, string authorization, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var (principal, expires) = ApiTokenAuthenticationHandler.IsApiToken(authorization)
            ? await ApiTokenAsync(scope.ServiceProvider, upgrade, authorization, cancellationToken)
            : await BearerAsync(scope.ServiceProvider, authorization, cancellationToken);
        if (principal is null)
        {
            return null;
        }

        var actor = scope.ServiceProvider.GetRequiredService<CurrentActor>();
        actor.SetPrincipal(principal);
        return (await actor.GetAsync(cancellationToken)).IsAuthenticated
            ? new SocketCredential(authorization, principal, expires)
            : null;
    }

    /// <summary>An OAuth access token: OpenIddict's validation, behind the same validated-token cache as HTTP requests.</summary>
    private async Task<(ClaimsPrincipal?, DateTimeOffset?)> BearerAsync(IServiceProvider services, string authorization, CancellationToken cancellationToken)
    {
        if (!authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return (null, null);
        }

        var token = authorization.AsSpan(7).Trim().ToString();
        var key = ValidatedTokenCache.Key(token);
        if (!tokens.TryGet(key, out var principal))
        {
            try
            {
                principal = await services.GetRequiredService<OpenIddictValidationService>().ValidateAccessTokenAsync(token, cancellationToken);
            }
            catch (Exception ex) when (ex is OpenIddictExceptions.ValidationException or OpenIddictExceptions.ProtocolException)
            {
                return (null, null);
            }

            tokens.Add(key, principal, principal.GetExpirationDate() ?? time.GetUtcNow().AddMinutes(1));
        }

        var expires = principal.GetExpirationDate();
        return expires is { } at && at <= time.GetUtcNow() ? (null, null) : (principal, expires);
    }

    /// <summary>A personal API token: its own authentication handler (hash lookup, revocation, expiry, last use).</summary>
    private static async Task<(ClaimsPrincipal?, DateTimeOffset?)> ApiTokenAsync(
        IServiceProvider services, HttpRequest upgrade, string authorization, CancellationToken cancellationToken)
    {
        var context = new DefaultHttpContext { RequestServices = services, RequestAborted = cancellationToken };
        context.Connection.RemoteIpAddress = upgrade.HttpContext.Connection.RemoteIpAddress;
        context.Request.Headers.Authorization = authorization;
        var result = await context.AuthenticateAsync(ApiTokenAuthenticationHandler.SchemeName);
        return result.Succeeded ? (result.Principal, result.Properties?.ExpiresUtc) : (null, null);
    }

    /// <summary>The <c>Authorization</c> value in a connection_init or ping payload: <c>authorization</c> (any case), <c>token</c>, or <c>headers.authorization</c>.</summary>
    public static string? FromPayload(System.Text.Json.JsonElement? payload)
    {
        if (payload is not { ValueKind: System.Text.Json.JsonValueKind.Object } map)
        {
            return null;
        }

        foreach (var property in map.EnumerateObject())
        {
            if (property.Value.ValueKind == System.Text.Json.JsonValueKind.String
                && (property.NameEquals("authorization") || property.NameEquals("Authorization") || property.NameEquals("authToken")))
            {
                return WithScheme(property.Value.GetString());
            }

            if (property.NameEquals("token") && property.Value.ValueKind == System.Text.Json.JsonValueKind.String)
            {
                return WithScheme(property.Value.GetString());
            }

            if (property.NameEquals("headers"))
            {
                return FromPayload(property.Value);
            }
        }

        return null;
    }

    /// <summary>Clients often send the bare token; the schemes expect <c>Bearer …</c>.</summary>
    private static string? WithScheme(string? value) =>
        string.IsNullOrWhiteSpace(value) ? null
        : value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? value
        : "Bearer " + value.Trim();
}
