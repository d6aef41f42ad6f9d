using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace PrivateNexus.Tests.Infrastructure;

/// <summary>
/// Drives the authorization-code flow with PKCE exactly as a browser and a public client would:
/// authorize → login form (with its antiforgery token) → authorize → code → token.
/// </summary>
public sealed partial class OAuthFlow(Uri baseAddress)
{
    public const string DefaultScope = "openid profile email offline_access api:read api:write";

    public sealed record Tokens(string AccessToken, string? RefreshToken, JsonObject Raw);

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryRegex();

    public async Task<Tokens> SignInAsync(string email, string password, string scope = DefaultScope)
    {
        var result = await TrySignInAsync(email, password, scope);
        return result.Tokens ?? throw new InvalidOperationException($"Sign-in of {email} failed: {result.LoginError}");
    }

    public async Task<(Tokens? Tokens, string? LoginError)> TrySignInAsync(string email, string password, string scope = DefaultScope)
    {
        var ct = TestContext.Current.CancellationToken;
        var cookies = new CookieContainer();
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = cookies }) { BaseAddress = baseAddress };
        var verifier = Base64Url(RandomNumberGenerator.GetBytes(32));
        var challenge = Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
        var state = Base64Url(RandomNumberGenerator.GetBytes(8));
        var authorize = $"/connect/authorize?client_id={PnxApp.TestClientId}&response_type=code&redirect_uri={Uri.EscapeDataString(PnxApp.RedirectUri)}"
            + $"&scope={Uri.EscapeDataString(scope)}&code_challenge={challenge}&code_challenge_method=S256&state={state}";

        using var first = await http.GetAsync(authorize, ct);
        Assert.Equal(HttpStatusCode.Redirect, first.StatusCode);
        var login = first.Headers.Location!;
        Assert.Contains("/account/login", login.ToString(), StringComparison.Ordinal);

        var page = await http.GetStringAsync(login, ct);
        var antiforgery = WebUtility.HtmlDecode(AntiforgeryRegex().Match(page).Groups[1].Value);
        var returnUrl = System.Web.HttpUtility.ParseQueryString(login.IsAbsoluteUri ? login.Query : new Uri(baseAddress, login).Query)["ReturnUrl"]!;
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Email"] = email,
            ["Password"] = password,
            ["ReturnUrl"] = returnUrl,
            ["__RequestVerificationToken"] = antiforgery,
        });
        using var posted = await http.PostAsync(login, form, ct);
        if (posted.StatusCode != HttpStatusCode.Redirect)
        {
            var html = await posted.Content.ReadAsStringAsync(ct);
            var error = Regex.Match(html, "<p class=\"error\" role=\"alert\">([^<]*)</p>").Groups[1].Value;
            return (null, string.IsNullOrEmpty(error) ? $"HTTP {(int)posted.StatusCode}" : WebUtility.HtmlDecode(error));
        }

        using var second = await http.GetAsync(posted.Headers.Location, ct);
        Assert.Equal(HttpStatusCode.Redirect, second.StatusCode);
        var callback = second.Headers.Location!;
        Assert.StartsWith(PnxApp.RedirectUri, callback.ToString(), StringComparison.Ordinal);
        var query = System.Web.HttpUtility.ParseQueryString(callback.Query);
        Assert.Equal(state, query["state"]);

        var tokens = await TokenAsync(http, new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["code"] = query["code"]!,
            ["redirect_uri"] = PnxApp.RedirectUri,
            ["client_id"] = PnxApp.TestClientId,
            ["code_verifier"] = verifier,
        });
        return (ToTokens(tokens.Body) ?? throw new InvalidOperationException($"Token request failed: {tokens.Body}"), null);
    }

    public static async Task<(HttpStatusCode Status, JsonObject Body)> TokenAsync(HttpClient http, Dictionary<string, string> form)
    {
        using var content = new FormUrlEncodedContent(form);
        using var response = await http.PostAsync("/connect/token", content, TestContext.Current.CancellationToken);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!.AsObject();
        return (response.StatusCode, body);
    }

    public static Tokens? ToTokens(JsonObject body) =>
        body["access_token"]?.GetValue<string>() is { } access ? new Tokens(access, body["refresh_token"]?.GetValue<string>(), body) : null;

    private static string Base64Url(byte[] bytes) => System.Buffers.Text.Base64Url.EncodeToString(bytes);
}
