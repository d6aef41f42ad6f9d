using PrivateNexus.Tests.Infrastructure;

namespace PrivateNexus.Tests.Realtime;

/// <summary>A server whose access tokens live 5 seconds and that allows 2 sockets per user.</summary>
public sealed class ShortLivedTokensApp : PnxApp
{
    public override string Provider => "sqlite";

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Pnx:AccessTokenLifetime"] = "00:00:05",
        ["Pnx:Realtime:MaxConnectionsPerUser"] = "2",
        ["Pnx:Realtime:CredentialRecheckInterval"] = "00:00:01",
    };

    public override Task<string?> ReadStoredAsync(string table, string column, string id) => throw new NotSupportedException();
}

/// <summary>What a socket does when its credential runs out, is renewed, or is one socket too many.</summary>
public sealed class CredentialLifetimeTests(ShortLivedTokensApp app) : IClassFixture<ShortLivedTokensApp>
{
    [Fact]
    public async Task A_socket_whose_token_expires_is_closed_4403()
    {
        var tokens = await app.SignInAsync(PnxApp.AdminEmail, PnxApp.AdminPassword);
        await using var ws = await GraphQLWsClient.ReadyAsync(app, tokens.AccessToken);
        var (code, reason) = await ws.ClosedAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(4403, code);
        Assert.Contains("expired", reason);
    }

    [Fact]
    public async Task A_client_that_re_authenticates_with_a_ping_stays_connected_past_the_first_token()
    {
        var first = await app.SignInAsync(PnxApp.AdminEmail, PnxApp.AdminPassword);
        await using var ws = await GraphQLWsClient.ReadyAsync(app, first.AccessToken);
        await Task.Delay(TimeSpan.FromSeconds(2), TestContext.Current.CancellationToken);

        var renewed = await app.SignInAsync(PnxApp.AdminEmail, PnxApp.AdminPassword);
        await ws.SendAsync(new { type = "ping", payload = new { authorization = "Bearer " + renewed.AccessToken } });
        Assert.Equal("pong", (await ws.ReceiveAsync())!["type"]!.GetValue<string>());

        // Past the first token's expiry: still open, still answering.
        await Task.Delay(TimeSpan.FromSeconds(4), TestContext.Current.CancellationToken);
        await ws.SubscribeAsync("me", "{ me { email } }");
        var next = await ws.ReceiveForAsync("me");
        Assert.Equal(PnxApp.AdminEmail, next["payload"]!["data"]!["me"]!["email"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_socket_beyond_the_per_user_limit_is_closed_4429()
    {
        var admin = await app.AdminAsync();
        var email = $"limit-{Guid.NewGuid():N}@example.test";
        await admin.CreateUserAsync(email);
        var user = await app.SignInAsync(email, AdminActions.Password);

        await using var one = await GraphQLWsClient.ReadyAsync(app, user.AccessToken);
        await using var two = await GraphQLWsClient.ReadyAsync(app, user.AccessToken);
        await using var three = await GraphQLWsClient.ConnectAsync(app);
        await three.SendAsync(new { type = "connection_init", payload = new { authorization = "Bearer " + user.AccessToken } });
        var (code, reason) = await three.ClosedAsync();
        Assert.Equal(4429, code);
        Assert.Contains("at most 2 per user", reason);

        // Closing one frees its place.
        await one.DisposeAsync();
        Assert.True(await Eventually.TrueAsync(
            async () =>
            {
                await using var again = await GraphQLWsClient.ConnectAsync(app);
                await again.SendAsync(new { type = "connection_init", payload = new { authorization = "Bearer " + user.AccessToken } });
                return (await again.ReceiveAsync())?["type"]?.GetValue<string>() == "connection_ack";
            },
            TimeSpan.FromSeconds(5)));
    }
}
