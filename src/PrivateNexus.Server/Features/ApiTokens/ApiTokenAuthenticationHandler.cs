using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using PrivateNexus.Server.Authorization;
using PrivateNexus.Server.Data;

namespace PrivateNexus.Server.Features.ApiTokens;

/// <summary>
/// Authenticates <c>Authorization: Bearer pnx_…</c>. The token's record is cached by hash for a
/// minute so a busy script costs one lookup a minute; revocation evicts it at once.
/// </summary>
public sealed class ApiTokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IMemoryCache cache,
    TimeProvider time)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiToken";
    private static readonly TimeSpan CacheFor = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);

    private sealed record Entry(Guid Id, Guid UserId, IReadOnlyList<string> Scopes, DateTimeOffset ExpiresAt, bool Revoked)
    {
        public DateTimeOffset? LastUsedWritten { get; set; }
    }

    internal static string CacheKey(string hash) => $"pnx:apitoken:{hash}";

    /// <summary>Only resolved on a cache miss or a last-used write, so a cached token costs no database context.</summary>
    private PnxDbContext Database => Context.RequestServices.GetRequiredService<PnxDbContext>();

    public static bool IsApiToken(string? authorization) =>
        authorization is not null
        && authorization.StartsWith("Bearer " + ApiTokenService.TokenPrefix, StringComparison.Ordinal);

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        if (!IsApiToken(header))
        {
            return AuthenticateResult.NoResult();
        }

        var hash = ApiTokenService.Hash(header!["Bearer ".Length..].Trim());
        var entry = await cache.GetOrCreateAsync(CacheKey(hash), async e =>
        {
            e.AbsoluteExpirationRelativeToNow = CacheFor;
            e.Size = 1;
            var token = await Database.ApiTokens.AsNoTracking().SingleOrDefaultAsync(t => t.TokenHash == hash, Context.RequestAborted);
            return token is null ? null : new Entry(token.Id, token.UserId, token.Scopes, token.ExpiresAt, token.RevokedAt is not null) { LastUsedWritten = token.LastUsedAt };
        });

        var now = time.GetUtcNow();
        if (entry is null || entry.Revoked || entry.ExpiresAt <= now)
        {
            return AuthenticateResult.Fail("The API token is unknown, expired or revoked.");
        }

        if (entry.LastUsedWritten is null || now - entry.LastUsedWritten > LastUsedResolution)
        {
            entry.LastUsedWritten = now;
            await Database.ApiTokens.Where(t => t.Id == entry.Id).ExecuteUpdateAsync(s => s.SetProperty(t => t.LastUsedAt, now), Context.RequestAborted);
        }

        var identity = new ClaimsIdentity(
            [
                new Claim(PnxClaims.Subject, entry.UserId.ToString()),
                new Claim(PnxClaims.ApiTokenId, entry.Id.ToString()),
                new Claim(PnxClaims.Scope, string.Join(' ', entry.Scopes)),
            ],
            SchemeName,
            PnxClaims.Name,
            "role");
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }
}
