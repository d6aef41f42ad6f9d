using System.Net;
using System.Text.RegularExpressions;
using PrivateNexus.Tests.Infrastructure;

namespace PrivateNexus.Tests.Identity;

/// <summary>A server started with no bootstrap variables: no default password, a one-time setup link in the log.</summary>
public sealed class FirstRunApp : PnxApp
{
    public override string Provider => "sqlite";

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Pnx:BootstrapAdminEmail"] = null,
        ["Pnx:BootstrapAdminPassword"] = null,
    };

    public override Task<string?> ReadStoredAsync(string table, string column, string id) => throw new NotSupportedException();
}

public sealed partial class FirstRunTests(FirstRunApp app) : AppTests(app), IClassFixture<FirstRunApp>
{
    [GeneratedRegex(@"/setup\?token=([A-Za-z0-9_\-]+)")]
    private static partial Regex SetupLink();

    [Fact]
    public async Task Setup_link_from_the_log_creates_the_first_admin_once()
    {
        Assert.Null((await new OAuthFlow(App.BaseAddress).TrySignInAsync(PnxApp.AdminEmail, PnxApp.AdminPassword)).Tokens);

        var log = string.Join("\n", Directory.GetFiles(Path.Combine(App.DataDir, "logs")).Select(File.ReadAllText));
        var token = SetupLink().Match(log).Groups[1].Value;
        Assert.False(string.IsNullOrEmpty(token), "the setup link is printed to the log");

        var cookies = new CookieContainer();
        using var http = new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = App.BaseAddress };
        Assert.Contains("not valid", await http.GetStringAsync("/setup?token=wrong", TestContext.Current.CancellationToken), StringComparison.Ordinal);
        var page = await http.GetStringAsync($"/setup?token={token}", TestContext.Current.CancellationToken);
        var form = OAuthTests.HiddenInputs(page);
        form["Email"] = "first@example.test";
        form["DisplayName"] = "First Admin";
        form["Password"] = "first-admin-password";
        using var posted = await http.PostAsync("/setup", new FormUrlEncodedContent(form), TestContext.Current.CancellationToken);
        Assert.Contains("administrator account is ready", await posted.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);

        var admin = App.WithToken((await App.SignInAsync("first@example.test", "first-admin-password")).AccessToken);
        Assert.Equal("ADMIN", (await admin.DataAsync("{ me { platformRole } }"))["me"]!["platformRole"]!.GetValue<string>());
        Assert.Contains("not valid", await http.GetStringAsync($"/setup?token={token}", TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }
}

/// <summary>A server with a tight per-IP limit on the sign-in and token endpoints.</summary>
public sealed class RateLimitedApp : PnxApp
{
    public override string Provider => "sqlite";

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Pnx:AuthRequestsPerMinute"] = "4" };

    public override Task<string?> ReadStoredAsync(string table, string column, string id) => throw new NotSupportedException();
}

public sealed class RateLimitTests(RateLimitedApp app) : AppTests(app), IClassFixture<RateLimitedApp>
{
    [Fact]
    public async Task Token_endpoint_is_rate_limited_per_ip()
    {
        using var http = App.Http();
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 8; i++)
        {
            using var form = new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["client_id"] = "nobody", ["client_secret"] = "x" });
            using var response = await http.PostAsync("/connect/token", form, TestContext.Current.CancellationToken);
            statuses.Add(response.StatusCode);
        }

        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
        Assert.NotEqual(HttpStatusCode.TooManyRequests, statuses[0]);
    }
}
