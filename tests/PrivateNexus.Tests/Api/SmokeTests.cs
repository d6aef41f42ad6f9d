using System.Net;
using PrivateNexus.Tests.Infrastructure;

namespace PrivateNexus.Tests.Api;

public abstract class SmokeTests(PnxApp app) : AppTests(app)
{
    [Fact]
    public async Task Health_endpoints_answer()
    {
        using var http = App.Http();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz", TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/readyz", TestContext.Current.CancellationToken)).StatusCode);
    }

    [Fact]
    public async Task Signed_in_admin_sees_self()
    {
        var admin = await App.AdminAsync();
        var data = await admin.DataAsync("{ me { id email platformRole } }");
        Assert.Equal(PnxApp.AdminEmail, data["me"]!["email"]!.GetValue<string>());
        Assert.Equal("ADMIN", data["me"]!["platformRole"]!.GetValue<string>());
    }

    [Fact]
    public async Task Anonymous_caller_is_unauthenticated()
    {
        var result = await App.Anonymous().SendAsync("{ me { id } }");
        Assert.Equal("UNAUTHENTICATED", result.ErrorCode);
    }
}

public sealed class SmokeTestsOnSqlite(SqliteApp app) : SmokeTests(app);

public sealed class SmokeTestsOnPostgres(PostgresApp app) : SmokeTests(app);
