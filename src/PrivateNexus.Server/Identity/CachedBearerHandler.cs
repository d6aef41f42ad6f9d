using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using OpenIddict.Validation.AspNetCore;

namespace PrivateNexus.Server.Identity;

/// <summary>
/// Validates a JWT bearer token once and remembers the result, keyed by the token's SHA-256, until
/// the token expires: a busy client pays the signature check (and OpenIddict's validation pipeline)
/// once instead of on every request. What can change during a token's life — the user disabled,
/// a membership removed, an application revoked — is checked per request by the rulebook, not here.
/// </summary>
public sealed class CachedBearerHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ValidatedTokenCache cache,
    TimeProvider time)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "CachedBearer";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        if (header is null || !header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.NoResult();
        }

        var key = ValidatedTokenCache.Key(header.AsSpan(7).Trim());
        if (cache.TryGet(key, out var principal))
        {
            return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
        }

        var result = await Context.AuthenticateAsync(OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme);
        if (!result.Succeeded)
        {
            return result.Failure is { } failure ? AuthenticateResult.Fail(failure) : AuthenticateResult.NoResult();
        }

        var expires = result.Properties?.ExpiresUtc ?? time.GetUtcNow().AddMinutes(1);
        cache.Add(key, result.Principal, expires);
        return AuthenticateResult.Success(new AuthenticationTicket(result.Principal, SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties) =>
        Context.ChallengeAsync(OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme, properties);

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        Context.ForbidAsync(OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme, properties);
}

/// <summary>Validated access tokens by hash; bounded, each entry dropped when its token expires.</summary>
public sealed class ValidatedTokenCache : IDisposable
{
    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = 100_000 });

    public static string Key(ReadOnlySpan<char> token)
    {
        Span<byte> hash = stackalloc byte[32];
        var bytes = Encoding.UTF8.GetBytes(token.ToArray());
        SHA256.HashData(bytes, hash);
        return Convert.ToHexString(hash);
    }

    public bool TryGet(string key, out ClaimsPrincipal principal) => _cache.TryGetValue(key, out principal!);

    public void Add(string key, ClaimsPrincipal principal, DateTimeOffset expires) =>
        _cache.Set(key, principal, new MemoryCacheEntryOptions { AbsoluteExpiration = expires, Size = 1 });

    public void Dispose() => _cache.Dispose();
}
