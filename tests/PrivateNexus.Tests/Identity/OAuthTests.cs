using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Server.AspNetCore;
using PrivateNexus.Tests.Infrastructure;

namespace PrivateNexus.Tests.Identity;

public abstract class OAuthTests(PnxApp app) : AppTests(app)
{
    [Fact]
    public async Task Discovery_document_describes_the_server()
    {
        using var http = App.Http();
        var doc = JsonNode.Parse(await http.GetStringAsync("/.well-known/openid-configuration", TestContext.Current.CancellationToken))!;
        foreach (var endpoint in new[] { "authorization_endpoint", "token_endpoint", "revocation_endpoint", "introspection_endpoint", "userinfo_endpoint", "jwks_uri" })
        {
            Assert.False(string.IsNullOrEmpty(doc[endpoint]?.GetValue<string>()), endpoint);
        }

        var grants = doc["grant_types_supported"]!.AsArray().Select(g => g!.GetValue<string>()).ToList();
        Assert.Contains("authorization_code", grants);
        Assert.Contains("client_credentials", grants);
        Assert.Contains("refresh_token", grants);
        Assert.Contains("S256", doc["code_challenge_methods_supported"]!.AsArray().Select(g => g!.GetValue<string>()));
    }

    [Theory]
    [InlineData("/connect/token", true)]
    [InlineData("/.well-known/openid-configuration", true)]
    [InlineData("/app", true)]
    [InlineData("/graphql", false)]
    [InlineData("/GraphQL/schema.graphql", false)]
    public async Task The_OAuth_server_is_asked_about_every_request_but_those_to_GraphQL(string path, bool asked)
    {
        // The authentication middleware lets a scheme claim a request only if its handler is a request handler.
        using var scope = App.Services.CreateScope();
        var context = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        context.Request.Path = path;
        var handlers = scope.ServiceProvider.GetRequiredService<IAuthenticationHandlerProvider>();

        var handler = await handlers.GetHandlerAsync(context, OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);

        Assert.NotNull(handler);
        Assert.Equal(asked, handler is IAuthenticationRequestHandler);
    }

    [Fact]
    public async Task Access_tokens_are_signed_not_encrypted_jwts()
    {
        var tokens = await App.SignInAsync(PnxApp.AdminEmail, PnxApp.AdminPassword);
        var parts = tokens.AccessToken.Split('.');
        Assert.Equal(3, parts.Length);
        var header = JsonNode.Parse(Encoding.UTF8.GetString(System.Buffers.Text.Base64Url.DecodeFromChars(parts[0])))!;
        Assert.Equal("RS256", header["alg"]!.GetValue<string>());
        var payload = JsonNode.Parse(Encoding.UTF8.GetString(System.Buffers.Text.Base64Url.DecodeFromChars(parts[1])))!;
        Assert.Contains("api:write", payload["scope"]?.ToJsonString() ?? "", StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refresh_tokens_rotate_and_reuse_revokes_the_chain()
    {
        using var http = App.Http();
        var first = await App.SignInAsync(PnxApp.AdminEmail, PnxApp.AdminPassword);
        Assert.NotNull(first.RefreshToken);

        var (status, body) = await Refresh(http, first.RefreshToken!);
        Assert.Equal(HttpStatusCode.OK, status);
        var second = OAuthFlow.ToTokens(body)!;
        Assert.NotEqual(first.RefreshToken, second.RefreshToken);
        await App.WithToken(second.AccessToken).DataAsync("{ me { id } }");

        // The spent token presented again: refused, and the whole chain (including the new one) dies with it.
        var (reuseStatus, reuse) = await Refresh(http, first.RefreshToken!);
        Assert.Equal(HttpStatusCode.BadRequest, reuseStatus);
        Assert.Equal("invalid_grant", reuse["error"]!.GetValue<string>());
        var (afterStatus, after) = await Refresh(http, second.RefreshToken!);
        Assert.Equal(HttpStatusCode.BadRequest, afterStatus);
        Assert.Equal("invalid_grant", after["error"]!.GetValue<string>());
    }

    [Fact]
    public async Task Userinfo_returns_the_signed_in_user()
    {
        var tokens = await App.SignInAsync(PnxApp.AdminEmail, PnxApp.AdminPassword);
        using var http = App.Http();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/connect/userinfo");
        request.Headers.Authorization = new("Bearer", tokens.AccessToken);
        using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var info = JsonNode.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!;
        Assert.Equal(PnxApp.AdminEmail, info["email"]!.GetValue<string>());
    }

    [Fact]
    public async Task Wrong_password_is_refused_and_audited()
    {
        var email = $"wrong-{Guid.NewGuid():N}@example.test";
        var admin = await App.AdminAsync();
        await admin.CreateUserAsync(email);
        var (tokens, error) = await new OAuthFlow(App.BaseAddress).TrySignInAsync(email, "not-the-password");
        Assert.Null(tokens);
        Assert.Equal("Wrong e-mail or password.", error);

        var audit = await admin.DataAsync(
            "query($a: String) { auditEvents(action: \"auth.login\", actorId: $a, first: 5) { edges { node { outcome } } } }", new { a = (string?)null });
        Assert.Contains(audit["auditEvents"]!["edges"]!.AsArray(), e => e!["node"]!["outcome"]!.GetValue<string>() == "FAILED");
    }

    [Fact]
    public async Task Account_locks_after_five_failures_even_for_the_right_password()
    {
        var email = $"lock-{Guid.NewGuid():N}@example.test";
        var admin = await App.AdminAsync();
        var userId = await admin.CreateUserAsync(email);
        var flow = new OAuthFlow(App.BaseAddress);
        for (var i = 0; i < 5; i++)
        {
            await flow.TrySignInAsync(email, "wrong-password-" + i);
        }

        var (tokens, error) = await flow.TrySignInAsync(email, AdminActions.Password);
        Assert.Null(tokens);
        Assert.Contains("locked", error, StringComparison.OrdinalIgnoreCase);
        var user = await admin.DataAsync("query($id: ID!) { user(id: $id) { lockedOut } }", new { id = userId });
        Assert.True(user["user"]!["lockedOut"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Sign_in_attempts_are_throttled_per_account()
    {
        var email = $"throttle-{Guid.NewGuid():N}@example.test";
        var flow = new OAuthFlow(App.BaseAddress);
        string? last = null;
        for (var i = 0; i < 11; i++)
        {
            (_, last) = await flow.TrySignInAsync(email, "whatever-password");
        }

        Assert.Contains("Too many attempts", last, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Disabling_a_user_stops_their_token_at_once()
    {
        var admin = await App.AdminAsync();
        var clientId = await admin.CreateClientAsync(Unique("dis"));
        var email = $"disable-{Guid.NewGuid():N}@example.test";
        var userId = await admin.CreateUserAsync(email);
        await admin.AddMemberAsync(clientId, email, "VIEWER");
        var user = App.WithToken((await App.SignInAsync(email, AdminActions.Password)).AccessToken);
        await user.DataAsync("{ me { id } }");

        await admin.DataAsync("mutation($id: ID!) { disableUser(id: $id) { status } }", new { id = userId });

        Assert.Equal("UNAUTHENTICATED", (await user.SendAsync("{ me { id } }")).ErrorCode);
        var (tokens, _) = await new OAuthFlow(App.BaseAddress).TrySignInAsync(email, AdminActions.Password);
        Assert.Null(tokens);
    }

    [Fact]
    public async Task Invited_member_sets_a_password_through_the_link_and_signs_in()
    {
        var admin = await App.AdminAsync();
        var clientId = await admin.CreateClientAsync(Unique("inv"));
        var email = $"invited-{Guid.NewGuid():N}@example.test";
        var added = await admin.DataAsync(
            "mutation($c: ID!, $e: String!) { addMember(clientId: $c, email: $e, role: MEMBER) { invitationUrl membership { role user { email } } } }",
            new { c = clientId, e = email });
        var link = new Uri(added["addMember"]!["invitationUrl"]!.GetValue<string>());

        var cookies = new CookieContainer();
        using var http = new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = App.BaseAddress };
        var page = await http.GetStringAsync(link.PathAndQuery, TestContext.Current.CancellationToken);
        var form = HiddenInputs(page);
        form["Password"] = "my-own-new-password";
        using var posted = await http.PostAsync(link.PathAndQuery, new FormUrlEncodedContent(form), TestContext.Current.CancellationToken);
        Assert.Contains("Your password is set", await posted.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);

        var member = App.WithToken((await App.SignInAsync(email, "my-own-new-password")).AccessToken);
        var me = await member.DataAsync("{ me { email memberships { role client { id } } } }");
        Assert.Equal("MEMBER", me["me"]!["memberships"]![0]!["role"]!.GetValue<string>());

        // The link is one-time.
        using var again = await http.PostAsync(link.PathAndQuery, new FormUrlEncodedContent(HiddenInputs(page)), TestContext.Current.CancellationToken);
        Assert.Contains("not valid", await again.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Fact]
    public async Task User_changes_own_password()
    {
        var admin = await App.AdminAsync();
        var email = $"pw-{Guid.NewGuid():N}@example.test";
        await admin.CreateUserAsync(email);
        var user = App.WithToken((await App.SignInAsync(email, AdminActions.Password)).AccessToken);

        var wrong = await user.SendAsync("mutation { changePassword(currentPassword: \"nope-nope-nope\", newPassword: \"another-password-1\") }");
        Assert.Equal("BAD_USER_INPUT", wrong.ErrorCode);
        Assert.Equal("currentPassword", wrong.ErrorField);
        var tooShort = await user.SendAsync("mutation($c: String!) { changePassword(currentPassword: $c, newPassword: \"short\") }", new { c = AdminActions.Password });
        Assert.Equal("newPassword", tooShort.ErrorField);

        await user.DataAsync("mutation($c: String!) { changePassword(currentPassword: $c, newPassword: \"another-password-1\") }", new { c = AdminActions.Password });
        Assert.NotNull((await new OAuthFlow(App.BaseAddress).TrySignInAsync(email, "another-password-1")).Tokens);
    }

    internal static Dictionary<string, string> HiddenInputs(string html) =>
        System.Text.RegularExpressions.Regex.Matches(html, "<input type=\"hidden\"[^>]*name=\"([^\"]+)\"[^>]*value=\"([^\"]*)\"|<input[^>]*name=\"([^\"]+)\"[^>]*type=\"hidden\"[^>]*value=\"([^\"]*)\"")
            .ToDictionary(
                m => m.Groups[1].Success ? m.Groups[1].Value : m.Groups[3].Value,
                m => WebUtility.HtmlDecode(m.Groups[2].Success ? m.Groups[2].Value : m.Groups[4].Value));

    private static Task<(HttpStatusCode Status, JsonObject Body)> Refresh(HttpClient http, string refreshToken) =>
        OAuthFlow.TokenAsync(http, new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token",
            ["refresh_token"] = refreshToken,
            ["client_id"] = PnxApp.TestClientId,
        });
}

public sealed class OAuthTestsOnSqlite(SqliteApp app) : OAuthTests(app);

public sealed class OAuthTestsOnPostgres(PostgresApp app) : OAuthTests(app);
