using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using PrivateNexus.Server.Authorization;
using PrivateNexus.Server.Common;
using PrivateNexus.Server.Data;
using PrivateNexus.Server.Events;
using PrivateNexus.Server.Features.Audit;

namespace PrivateNexus.Server.Features.ApiTokens;

public sealed record CreateApiTokenInput(string Name, IReadOnlyList<string>? Scopes, int? ExpiresInDays);

/// <summary>The token in clear text, returned exactly once, beside its stored record.</summary>
public sealed record CreatedApiToken(ApiToken Token, string Secret);

/// <summary>Personal API tokens of the calling user: create (shown once), list, revoke.</summary>
public sealed class ApiTokenService(PnxDbContext db, Rulebook rules, AuditLog audit, EventBus bus, TimeProvider time)
{
    public const string TokenPrefix = "pnx_";

    public async Task<IReadOnlyList<ApiToken>> ListMineAsync(CancellationToken cancellationToken)
    {
        var userId = await RequireUserAsync(cancellationToken);
        return await db.ApiTokens.AsNoTracking().Where(t => t.UserId == userId).OrderByDescending(t => t.CreatedAt).ToListAsync(cancellationToken);
    }

    public async Task<CreatedApiToken> CreateAsync(CreateApiTokenInput input, CancellationToken cancellationToken)
    {
        var userId = await RequireUserAsync(cancellationToken);
        var actor = await rules.RequireWriteScopeAsync(new("apitoken", null, null), cancellationToken);
        var scopes = (input.Scopes is { Count: > 0 } s ? s : ApiScopes.All).Distinct(StringComparer.Ordinal).ToList();
        var unknown = scopes.FirstOrDefault(x => !ApiScopes.All.Contains(x));
        if (unknown is not null)
        {
            throw DomainException.BadInput("scopes", $"Unknown scope '{unknown}'. Known: {string.Join(", ", ApiScopes.All)}.");
        }

        // A credential can only hand on what it holds.
        if (scopes.FirstOrDefault(x => !actor.Scopes.Contains(x)) is { } beyond)
        {
            throw DomainException.BadInput("scopes", $"Your sign-in does not hold the '{beyond}' scope, so a token made with it cannot either.");
        }

        var days = Validate.Range(input.ExpiresInDays ?? 90, "expiresInDays", 1, 366);
        var secret = TokenPrefix + Base64UrlEncode(RandomNumberGenerator.GetBytes(32));
        var now = time.Now();
        var token = new ApiToken
        {
            UserId = userId,
            Name = Validate.Text(input.Name, "name", 100),
            Prefix = secret[..12],
            TokenHash = Hash(secret),
            Scopes = scopes,
            CreatedAt = now,
            ExpiresAt = now.AddDays(days),
        };
        db.ApiTokens.Add(token);
        audit.Add(actor, "apitoken.create", AuditTarget.Of("apitoken", token.Id), new { token.Name, token.Scopes, token.ExpiresAt });
        await db.SaveChangesAsync(cancellationToken);
        return new CreatedApiToken(token, secret);
    }

    /// <summary>Revoking twice succeeds; revocation is effective at once on every replica (cached records evicted over the bus).</summary>
    public async Task<ApiToken> RevokeAsync(Guid id, CancellationToken cancellationToken)
    {
        var userId = await RequireUserAsync(cancellationToken);
        var actor = await rules.RequireWriteScopeAsync(AuditTarget.Of("apitoken", id), cancellationToken);
        var token = await db.ApiTokens.SingleOrDefaultAsync(t => t.Id == id && t.UserId == userId, cancellationToken)
            ?? throw DomainException.NotFound("API token");
        if (token.RevokedAt is null)
        {
            token.RevokedAt = time.Now();
            audit.Add(actor, "apitoken.revoke", AuditTarget.Of("apitoken", token.Id), new { token.Name });
            await db.SaveChangesAsync(cancellationToken);
        }

        bus.Publish(new ApiTokenChanged(token.TokenHash));
        return token;
    }

    public static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    private async Task<Guid> RequireUserAsync(CancellationToken cancellationToken)
    {
        var actor = await rules.RequireAuthenticatedAsync(cancellationToken);
        return actor.Type == ActorType.User && actor.UserId is { } id
            ? id
            : throw DomainException.Forbidden("Personal API tokens are managed by a signed-in user (not with another API token or an application).");
    }

    private static string Base64UrlEncode(byte[] bytes) => System.Buffers.Text.Base64Url.EncodeToString(bytes);
}
