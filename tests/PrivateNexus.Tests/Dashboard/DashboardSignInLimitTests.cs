using System.Net;
using PrivateNexus.Tests.Infrastructure;

namespace PrivateNexus.Tests.Dashboard;

/// <summary>A server of its own whose sign-in rate limit is six requests a minute per address.</summary>
public sealed class StrictSignInLimitApp : PnxApp
{
    public const int PerMinute = 6;

    public override string Provider => "sqlite";

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Pnx:AuthRequestsPerMinute"] = PerMinute.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    public override Task<string?> ReadStoredAsync(string table, string column, string id) => throw new NotSupportedException();
}

/// <summary>
/// The dashboard redeems every user's code from the server itself: those redemptions are counted
/// against each user's address, not all against the server's own.
/// </summary>
public sealed class DashboardSignInLimitTests(StrictSignInLimitApp app) : IClassFixture<StrictSignInLimitApp>
{
    [Fact]
    public async Task Dashboard_sign_ins_are_counted_per_user_not_all_against_the_server_s_own_address()
    {
        // Each sign-in is the login page (GET and POST, counted against this test's address) and one
        // code redemption by the dashboard. Three sign-ins fit six requests a minute only if the
        // redemptions are not added to the same bucket as well (9 > 6).
        for (var i = 0; i < 3; i++)
        {
            Assert.True(await SignInAsync(), $"dashboard sign-in {i + 1} of 3 failed");
        }

        // The limit itself still holds for the address that used it up.
        Assert.False(await SignInAsync());
    }

    /// <summary>The browser's path through the dashboard's sign-in; true when it ends signed in on /app.</summary>
    private async Task<bool> SignInAsync()
    {
        var cookies = new CookieContainer();
        using var browser = new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = true }) { BaseAddress = app.BaseAddress };
        using var login = await browser.GetAsync("/app", TestContext.Current.CancellationToken);
        if (login.StatusCode != HttpStatusCode.OK)
        {
            return false;
        }

        var form = await login.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        var token = System.Text.RegularExpressions.Regex.Match(form, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value;
        var returnUrl = System.Web.HttpUtility.ParseQueryString(login.RequestMessage!.RequestUri!.Query)["ReturnUrl"]!;
        using var submit = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Email"] = PnxApp.AdminEmail,
            ["Password"] = PnxApp.AdminPassword,
            ["ReturnUrl"] = returnUrl,
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token),
        });
        using var signedIn = await browser.PostAsync(login.RequestMessage.RequestUri, submit, TestContext.Current.CancellationToken);
        return signedIn.StatusCode == HttpStatusCode.OK
            && signedIn.RequestMessage!.RequestUri!.AbsolutePath == "/app"
            && cookies.GetCookies(app.BaseAddress).Any(c => c.Name == "pnx.dashboard");
    }
}
