using System.Net;
using PrivateNexus.Tests.Infrastructure;

namespace PrivateNexus.Tests.Dashboard;

/// <summary>
/// A server of its own behind a (pretend) reverse proxy on 127.0.0.1, so a test can act as browsers at
/// different addresses (X-Forwarded-For), whose sign-in rate limit is three requests a minute per address.
/// </summary>
public sealed class StrictSignInLimitApp : PnxApp
{
    public const int PerMinute = 3;

    public override string Provider => "sqlite";

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Pnx:AuthRequestsPerMinute"] = PerMinute.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Pnx:TrustedProxies:0"] = "127.0.0.1",
    };

    public override Task<string?> ReadStoredAsync(string table, string column, string id) => throw new NotSupportedException();
}

/// <summary>
/// The dashboard redeems every user's code from the server itself: those redemptions are counted
/// against each user's address, not all against the server's own — and nobody else can choose the
/// address they are counted under.
/// </summary>
public sealed class DashboardSignInLimitTests(StrictSignInLimitApp app) : IClassFixture<StrictSignInLimitApp>
{
    [Fact]
    public async Task Dashboard_sign_ins_from_several_browsers_are_each_counted_against_their_own_address()
    {
        // Four people sign in, one each: two requests of their own (the sign-in page, GET and POST) and
        // one code redemption by the dashboard for them. Counted together the four redemptions would
        // go over three a minute; counted per browser, nobody is near the limit.
        for (var browser = 1; browser <= 4; browser++)
        {
            using var client = new HttpDashboardBrowser(app, forwardedFor: $"198.51.100.{browser}");
            Assert.True(await client.SignInAsync(), $"the dashboard sign-in of browser {browser} of 4 failed");
        }
    }

    [Fact]
    public async Task An_address_header_a_caller_makes_up_does_not_move_it_to_another_bucket()
    {
        // Each request names another address in plain text (or nonsense): if the server believed any of
        // them, none would be refused. It counts them all as this caller's, and the fourth is one too many.
        string[] madeUp = ["203.0.113.1", "203.0.113.2", "not-an-address", "203.0.113.4"];
        var statuses = new List<HttpStatusCode>();
        using var http = app.Http();
        foreach (var address in madeUp)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/connect/token")
            {
                Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "authorization_code", ["client_id"] = "pnx-dashboard", ["code"] = "forged" }),
            };
            request.Headers.Add("X-PrivateNexus-Client-Address", address);
            using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);
            statuses.Add(response.StatusCode);
        }

        Assert.Equal([HttpStatusCode.BadRequest, HttpStatusCode.BadRequest, HttpStatusCode.BadRequest, HttpStatusCode.TooManyRequests], statuses);
    }
}
