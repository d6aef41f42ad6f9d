using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OpenIddict.Server;
using PrivateNexus.Server.Authorization;
using PrivateNexus.Server.Data;
using PrivateNexus.Server.Features.ApiTokens;
using PrivateNexus.Server.Features.Users;
using PrivateNexus.Server.Hosting;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace PrivateNexus.Server.Identity;

public static class IdentitySetup
{
    /// <summary>The default scheme: picks API token, OAuth bearer token or session cookie per request.</summary>
    public const string PolicyScheme = "pnx";

    public const string AuthRateLimit = "auth";

    public static IServiceCollection AddPnxIdentity(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddIdentityCore<User>(o =>
            {
                o.User.RequireUniqueEmail = true;
                o.Password.RequiredLength = 10;
                o.Password.RequireNonAlphanumeric = false;
                o.Password.RequireUppercase = false;
                o.Password.RequireLowercase = false;
                o.Password.RequireDigit = false;
                o.Lockout.MaxFailedAccessAttempts = 5;
                o.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(5);
                o.Lockout.AllowedForNewUsers = true;
            })
            .AddEntityFrameworkStores<PnxDbContext>()
            .AddSignInManager()
            .AddDefaultTokenProviders();

        services.AddAuthentication(PolicyScheme)
            .AddPolicyScheme(PolicyScheme, "API token, bearer token or session", o => o.ForwardDefaultSelector = SelectScheme)
            .AddScheme<AuthenticationSchemeOptions, ApiTokenAuthenticationHandler>(ApiTokenAuthenticationHandler.SchemeName, null)
            .AddScheme<AuthenticationSchemeOptions, CachedBearerHandler>(CachedBearerHandler.SchemeName, null)
            .AddIdentityCookies(cookies => cookies.ApplicationCookie?.Configure(o =>
            {
                o.Cookie.Name = "pnx.session";
                o.Cookie.SameSite = SameSiteMode.Lax;
                o.Cookie.HttpOnly = true;
                o.LoginPath = "/account/login";
                o.LogoutPath = "/account/logout";
                o.ExpireTimeSpan = TimeSpan.FromHours(8);
                o.SlidingExpiration = true;
            }));
        services.Replace(ServiceDescriptor.Scoped<IAuthenticationHandlerProvider, ApiAwareAuthenticationHandlerProvider>());
        services.AddAuthorization();

        services.AddOpenIddict()
            .AddCore(o => o.UseEntityFrameworkCore().UseDbContext<PnxDbContext>().ReplaceDefaultEntities<Guid>())
            .AddServer(o =>
            {
                o.SetAuthorizationEndpointUris("connect/authorize")
                    .SetTokenEndpointUris("connect/token")
                    .SetRevocationEndpointUris("connect/revoke")
                    .SetIntrospectionEndpointUris("connect/introspect")
                    .SetUserInfoEndpointUris("connect/userinfo")
                    .SetEndSessionEndpointUris("connect/logout");
                o.AllowAuthorizationCodeFlow().RequireProofKeyForCodeExchange()
                    .AllowClientCredentialsFlow()
                    .AllowRefreshTokenFlow();
                o.RegisterScopes(Scopes.OpenId, Scopes.Profile, Scopes.Email, Scopes.OfflineAccess, ApiScopes.Read, ApiScopes.Write);

                // Signed, not encrypted: decrypting an RSA-wrapped token costs ~30× a signature check.
                o.DisableAccessTokenEncryption();

                // Refresh tokens rotate; presenting a spent one revokes the whole chain (no grace period).
                o.SetRefreshTokenReuseLeeway(TimeSpan.Zero);
                o.UseAspNetCore()
                    .EnableAuthorizationEndpointPassthrough()
                    .EnableTokenEndpointPassthrough()
                    .EnableUserInfoEndpointPassthrough()
                    .EnableEndSessionEndpointPassthrough()
                    .EnableStatusCodePagesIntegration()

                    // TLS terminates at the reverse proxy in front of the server (docs/operations.md).
                    .DisableTransportSecurityRequirement();
                o.AddEventHandler<OpenIddictServerEvents.ApplyTokenResponseContext>(b => b.UseScopedHandler<TokenResponseAuditor>());
            })
            .AddValidation(o =>
            {
                o.UseLocalServer();
                o.UseAspNetCore();
            });

        services.AddSingleton<KeyMaterial>();
        services.AddSingleton<ValidatedTokenCache>();
        services.AddSingleton<IConfigureOptions<OpenIddictServerOptions>, OAuthServerKeys>();
        services.AddSingleton<LoginThrottle>();
        services.AddSingleton<BackChannelClientAddress>();
        services.AddSingleton<SharedRateLimits>();
        services.AddScoped<Bootstrap>();
        services.Configure<List<PublicClientOptions>>(configuration.GetSection($"{PnxOptions.Section}:PublicClients"));

        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.AddPolicy(AuthRateLimit, context => context.RequestServices.GetRequiredService<SharedRateLimits>().FixedWindow(
                AuthPartition(context),
                context.RequestServices.GetRequiredService<IOptions<PnxOptions>>().Value.AuthRequestsPerMinute,
                TimeSpan.FromMinutes(1)));
        });
        return services;
    }

    /// <summary>
    /// Sign-in attempts are counted per address: the caller's, or — for a code redeemed at the token
    /// endpoint, the only thing the dashboard's back channel does — the end user's it vouched for.
    /// </summary>
    private static string AuthPartition(HttpContext context) =>
        HttpMethods.IsPost(context.Request.Method)
        && context.Request.Path.Equals(OAuthEndpoints.TokenPath, StringComparison.OrdinalIgnoreCase)
        && context.RequestServices.GetRequiredService<BackChannelClientAddress>().Of(context.Request) is { } user
            ? "auth:backchannel:" + user
            : "auth:" + (context.Connection.RemoteIpAddress?.ToString() ?? "unknown");

    private static string SelectScheme(HttpContext context)
    {
        string? authorization = context.Request.Headers.Authorization;
        if (ApiTokenAuthenticationHandler.IsApiToken(authorization))
        {
            return ApiTokenAuthenticationHandler.SchemeName;
        }

        return authorization?.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) == true
            ? CachedBearerHandler.SchemeName
            : IdentityConstants.ApplicationScheme;
    }
}

/// <summary>
/// Adds the key material and issuer once they are known (after the database is ready). A
/// Configure, not a PostConfigure, so OpenIddict's own checks that run after it see the keys.
/// </summary>
internal sealed class OAuthServerKeys(KeyMaterial keys, IOptions<PnxOptions> options) : IConfigureOptions<OpenIddictServerOptions>
{
    public void Configure(OpenIddictServerOptions server)
    {
        if (keys.SigningKey is null || keys.EncryptionKey is null)
        {
            throw new InvalidOperationException("OAuth key material was used before the server finished starting.");
        }

        server.SigningCredentials.Add(new Microsoft.IdentityModel.Tokens.SigningCredentials(keys.SigningKey, Microsoft.IdentityModel.Tokens.SecurityAlgorithms.RsaSha256));
        server.EncryptionCredentials.Add(new Microsoft.IdentityModel.Tokens.EncryptingCredentials(
            keys.EncryptionKey, Microsoft.IdentityModel.Tokens.SecurityAlgorithms.Aes256KW, Microsoft.IdentityModel.Tokens.SecurityAlgorithms.Aes256CbcHmacSha512));
        server.AccessTokenLifetime = options.Value.AccessTokenLifetime;
        server.RefreshTokenLifetime = options.Value.RefreshTokenLifetime;
        if (options.Value.PublicUrl is { } issuer)
        {
            server.Issuer = issuer;
        }
    }
}
