using System.Net;
using PrivateNexus.Tests.Infrastructure;

namespace PrivateNexus.Tests.Dashboard;

/// <summary>The dashboard's sign-in over plain HTTP: where codes may go, and what its cookie is (not) good for.</summary>
public sealed class DashboardSignInTests(SqliteApp app)
{
    [Fact]
    public async Task The_root_and_the_dashboard_send_an_anonymous_browser_to_sign_in()
    {
        using var http = app.Http();
        using var root = await http.GetAsync("/", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Redirect, root.StatusCode);
        Assert.Equal("/app", root.Headers.Location!.OriginalString);

        using var dashboard = await http.GetAsync("/app/services", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Redirect, dashboard.StatusCode);
        Assert.Contains("/app/signin", dashboard.Headers.Location!.ToString(), StringComparison.Ordinal);

        using var signIn = await http.GetAsync("/app/signin?returnUrl=%2Fapp%2Fservices", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        var authorize = signIn.Headers.Location!.ToString();
        Assert.StartsWith("/connect/authorize?client_id=pnx-dashboard&response_type=code", authorize, StringComparison.Ordinal);
        Assert.Contains("code_challenge_method=S256", authorize, StringComparison.Ordinal);
        Assert.Contains(Uri.EscapeDataString($"{app.BaseAddress.GetLeftPart(UriPartial.Authority)}/app/signin/callback"), authorize, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_code_is_never_sent_to_an_address_the_server_does_not_answer_on()
    {
        using var http = app.Http();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/app/signin");
        request.Headers.Host = "evil.example";
        using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task A_callback_without_the_pending_sign_in_starts_over_instead_of_signing_in()
    {
        using var http = app.Http();
        using var response = await http.GetAsync("/app/signin/callback?code=forged&state=forged", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/app/signin", response.Headers.Location!.OriginalString);
        Assert.False(response.Headers.Contains("Set-Cookie") && response.Headers.GetValues("Set-Cookie").Any(c => c.StartsWith("pnx.dashboard=", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task The_dashboard_session_is_not_an_API_credential()
    {
        // Signed in through the real flow with a cookie jar, then the same cookies sent to /graphql.
        using var browser = new HttpDashboardBrowser(app);
        Assert.True(await browser.SignInAsync());

        using var query = new StringContent("""{"query":"{ me { id } }"}""", System.Text.Encoding.UTF8, "application/json");
        using var api = await browser.Client.PostAsync("/graphql", query, TestContext.Current.CancellationToken);
        var body = await api.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Contains("UNAUTHENTICATED", body, StringComparison.Ordinal);
    }
}
