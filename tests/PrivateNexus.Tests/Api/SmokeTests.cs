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
    public async Task Me_from_the_cache_and_from_the_database_agree_even_through_aliases()
    {
        var admin = await App.AdminAsync();
        var cached = (await admin.DataAsync("{ me { id email displayName platformRole status } }"))["me"]!;
        var stored = (await admin.DataAsync("{ me { id email displayName platformRole status createdAt } }"))["me"]!;
        foreach (var field in new[] { "id", "email", "displayName", "platformRole", "status" })
        {
            Assert.Equal(stored[field]!.ToJsonString(), cached[field]!.ToJsonString());
        }

        // An alias must not smuggle a stored field past the cache.
        var aliased = (await admin.DataAsync("{ me { id: createdAt } }"))["me"]!;
        Assert.Equal(stored["createdAt"]!.ToJsonString(), aliased["id"]!.ToJsonString());
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
