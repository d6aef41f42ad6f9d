using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.IdentityModel.JsonWebTokens;
using PrivateNexus.Server.Authorization;
using PrivateNexus.Server.Features.Audit;
using PrivateNexus.Server.Identity;

namespace PrivateNexus.Server.Dashboard.SignIn;

/// <summary>
/// The dashboard signs in like any other first-party OAuth client: authorization code + PKCE against
/// this server's own authorization endpoint (which shows the sign-in page when needed), then the code
/// is redeemed at the token endpoint over a back channel to this same server. The result is a
/// dashboard session cookie holding the user's id and the granted scopes — the same two facts a
/// bearer token gives the API, so the rulebook sees the same actor on both channels.
/// </summary>
public static class DashboardSignInEndpoints
{
    public const string SignInPath = DashboardSetup.BasePath + "/signin";
    public const string CallbackPath = DashboardSetup.BasePath + "/signin/callback";
    public const string SignOutPath = DashboardSetup.BasePath + "/signout";
    public const string BackChannel = "pnx.dashboard.backchannel";

    private const string FlowCookie = "pnx.dashboard.flow";
    private const string Scopes = "openid profile email " + ApiScopes.Read + " " + ApiScopes.Write;
    private static readonly TimeSpan FlowLifetime = TimeSpan.FromMinutes(10);

    public static IEndpointRouteBuilder MapDashboardSignIn(this IEndpointRouteBuilder app)
    {
        app.MapGet(SignInPath, StartAsync).AllowAnonymous();
        app.MapGet(CallbackPath, CallbackAsync).AllowAnonymous();
        app.MapPost(SignOutPath, SignOutAsync).DisableAntiforgery();
        return app;
    }

    /// <summary>A pending sign-in: what the callback must see again (state) and prove (the PKCE verifier).</summary>
    private sealed record Flow(string State, string Verifier, string RedirectUri, string ReturnUrl, DateTimeOffset Expires);

    private static async Task<IResult> StartAsync(
        HttpContext context, DashboardOAuthClient client, IDataProtectionProvider protection, TimeProvider time, string? returnUrl = null)
    {
        var redirectUri = await client.RedirectUriForAsync(context.Request, context.RequestAborted);
        if (redirectUri is null)
        {
            return Results.Problem(
                "The dashboard cannot sign in from this address. Set Pnx:PublicUrl (PNX_PUBLIC_URL) to the address users open.",
                statusCode: StatusCodes.Status400BadRequest);
        }

        var flow = new Flow(RandomToken(), RandomToken(), redirectUri, LocalOrHome(returnUrl), time.GetUtcNow().Add(FlowLifetime));
        context.Response.Cookies.Append(FlowCookie, Protector(protection).Protect(JsonSerializer.Serialize(flow)), new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Lax,
            Path = DashboardSetup.BasePath,
            Secure = context.Request.IsHttps,
            MaxAge = FlowLifetime,
        });

        var authorize = QueryString.Create(new Dictionary<string, string?>
        {
            ["client_id"] = DashboardOAuthClient.ClientId,
            ["response_type"] = "code",
            ["redirect_uri"] = redirectUri,
            ["scope"] = Scopes,
            ["state"] = flow.State,
            ["code_challenge"] = Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(flow.Verifier))),
            ["code_challenge_method"] = "S256",
        });
        return Results.Redirect("/connect/authorize" + authorize);
    }

    private static async Task<IResult> CallbackAsync(
        HttpContext context,
        IDataProtectionProvider protection,
        IHttpClientFactory http,
        DashboardOAuthClient client,
        BackChannelClientAddress vouch,
        AuditLog audit,
        TimeProvider time,
        ILoggerFactory loggers,
        string? code = null,
        string? state = null,
        string? error = null)
    {
        var flow = ReadFlow(context, protection, time);
        context.Response.Cookies.Delete(FlowCookie, new CookieOptions { Path = DashboardSetup.BasePath });
        if (flow is null || state is null || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(state), Encoding.UTF8.GetBytes(flow.State)))
        {
            // Stale or forged: start over rather than show an error nobody can act on.
            return Results.Redirect(SignInPath);
        }

        if (error is not null || code is null)
        {
            return Results.Problem($"Sign-in was refused ({error ?? "no code"}).", statusCode: StatusCodes.Status400BadRequest);
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, client.BackChannelAddress(context) + OAuthEndpoints.TokenPath.TrimStart('/'))
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "authorization_code",
                ["client_id"] = DashboardOAuthClient.ClientId,
                ["code"] = code,
                ["redirect_uri"] = flow.RedirectUri,
                ["code_verifier"] = flow.Verifier,
            }),
        };

        // The code was issued for the address the browser used; the issuer must match when it is redeemed.
        request.Headers.Host = context.Request.Host.Value;

        // Counted against the browser's address, not against this server's own (shared by every user).
        if (context.Connection.RemoteIpAddress is { } user)
        {
            request.Headers.Add(BackChannelClientAddress.Header, vouch.Vouch(user));
        }

        using var response = await http.CreateClient(BackChannel).SendAsync(request, context.RequestAborted);
        var body = await response.Content.ReadAsStringAsync(context.RequestAborted);
        if (!response.IsSuccessStatusCode)
        {
            loggers.CreateLogger(typeof(DashboardSignInEndpoints)).LogWarning("Dashboard code redemption failed: {Status} {Body}", (int)response.StatusCode, body);
            return Results.Problem("Sign-in could not be completed. Try again.", statusCode: StatusCodes.Status502BadGateway);
        }

        using var tokens = JsonDocument.Parse(body);
        // Received directly from our own token endpoint over a connection we opened: OpenID Connect
        // Core §3.1.3.7 lets the client trust the ID token's contents without checking its signature.
        var idToken = new JsonWebToken(tokens.RootElement.GetProperty("id_token").GetString());
        var granted = tokens.RootElement.TryGetProperty("scope", out var scope) ? scope.GetString() ?? Scopes : Scopes;
        var identity = new ClaimsIdentity(DashboardSetup.CookieScheme, PnxClaims.Name, null);
        identity.AddClaim(new Claim(PnxClaims.Subject, idToken.Subject));
        identity.AddClaim(new Claim(PnxClaims.Name, idToken.TryGetPayloadValue<string>("name", out var name) ? name : idToken.Subject));
        identity.AddClaim(new Claim(PnxClaims.Scope, granted));
        await context.SignInAsync(DashboardSetup.CookieScheme, new ClaimsPrincipal(identity));
        return Results.LocalRedirect(flow.ReturnUrl);
    }

    /// <summary>Ends both sessions: the dashboard's and the sign-in page's, so the next visit asks for the password again.</summary>
    private static async Task<IResult> SignOutAsync(HttpContext context, IAntiforgery antiforgery, AuditLog audit, CurrentActor current)
    {
        await antiforgery.ValidateRequestAsync(context);
        var actor = await current.GetAsync(context.RequestAborted);
        await context.SignOutAsync(DashboardSetup.CookieScheme);
        await context.SignOutAsync(IdentityConstants.ApplicationScheme);
        if (actor.IsAuthenticated)
        {
            await audit.RecordNowAsync(actor, "auth.logout", AuditTarget.None, AuditOutcome.Success, cancellationToken: context.RequestAborted);
        }

        return Results.Redirect(DashboardSetup.BasePath);
    }

    private static Flow? ReadFlow(HttpContext context, IDataProtectionProvider protection, TimeProvider time)
    {
        if (!context.Request.Cookies.TryGetValue(FlowCookie, out var value))
        {
            return null;
        }

        try
        {
            var flow = JsonSerializer.Deserialize<Flow>(Protector(protection).Unprotect(value));
            return flow is not null && flow.Expires > time.GetUtcNow() ? flow : null;
        }
        catch (Exception ex) when (ex is CryptographicException or JsonException)
        {
            return null;
        }
    }

    private static IDataProtector Protector(IDataProtectionProvider protection) => protection.CreateProtector("pnx.dashboard.signin");

    /// <summary>
    /// Where to go after signing in: a path on this server, else the dashboard's home. Not "//host" or
    /// "/\\host" (another host to a browser), and no control characters (browsers drop some, so
    /// "/\t/host" is another host too; LocalRedirect would refuse it with a 500).
    /// </summary>
    internal static string LocalOrHome(string? returnUrl) =>
        returnUrl is { Length: > 1 } && returnUrl[0] == '/' && returnUrl[1] is not ('/' or '\\') && !returnUrl.Any(char.IsControl)
            ? returnUrl
            : DashboardSetup.BasePath;

    private static string RandomToken() => Base64Url(RandomNumberGenerator.GetBytes(32));

    private static string Base64Url(byte[] bytes) => System.Buffers.Text.Base64Url.EncodeToString(bytes);
}
