using System.Net;
using System.Text.RegularExpressions;
using PrivateNexus.Tests.Infrastructure;

namespace PrivateNexus.Tests.Dashboard;

/// <summary>
/// The dashboard's sign-in walked over plain HTTP with a cookie jar, as a browser without scripts
/// would: /app → sign-in page → the form posted → the code redeemed → back on /app.
/// </summary>
public sealed partial class HttpDashboardBrowser : IDisposable
{
    private readonly PnxApp _app;

    /// <param name="forwardedFor">The browser's address as a trusted proxy in front would say it, if any.</param>
    public HttpDashboardBrowser(PnxApp app, string? forwardedFor = null)
    {
        _app = app;
        Client = new HttpClient(new HttpClientHandler { CookieContainer = Cookies, AllowAutoRedirect = true }) { BaseAddress = app.BaseAddress };
        if (forwardedFor is not null)
        {
            Client.DefaultRequestHeaders.Add("X-Forwarded-For", forwardedFor);
        }
    }

    public CookieContainer Cookies { get; } = new();

    public HttpClient Client { get; }

    /// <summary>Signs in as the admin; true when it ends on /app with the dashboard's cookie.</summary>
    public async Task<bool> SignInAsync()
    {
        using var login = await Client.GetAsync("/app", TestContext.Current.CancellationToken);
        if (login.StatusCode != HttpStatusCode.OK)
        {
            return false;
        }

        var form = await login.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        var returnUrl = System.Web.HttpUtility.ParseQueryString(login.RequestMessage!.RequestUri!.Query)["ReturnUrl"]!;
        using var submit = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Email"] = PnxApp.AdminEmail,
            ["Password"] = PnxApp.AdminPassword,
            ["ReturnUrl"] = returnUrl,
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(AntiforgeryToken().Match(form).Groups[1].Value),
        });
        using var signedIn = await Client.PostAsync(login.RequestMessage.RequestUri, submit, TestContext.Current.CancellationToken);
        return signedIn.StatusCode == HttpStatusCode.OK
            && signedIn.RequestMessage!.RequestUri!.AbsolutePath == "/app"
            && Cookies.GetCookies(_app.BaseAddress).Any(c => c.Name == "pnx.dashboard");
    }

    public void Dispose() => Client.Dispose();

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();
}
