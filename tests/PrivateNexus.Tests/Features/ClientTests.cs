using PrivateNexus.Tests.Infrastructure;

namespace PrivateNexus.Tests.Features;

public abstract class ClientTests(PnxApp app) : AppTests(app)
{
    private const string Create = "mutation($input: CreateClientInput!) { createClient(input: $input) { id slug status version quota { cpuMillicores memoryMiB services } imagePolicy } }";

    [Fact]
    public async Task Admin_creates_reads_updates_suspends_and_deletes_a_client()
    {
        var admin = await App.AdminAsync();
        var slug = Unique("acme");
        var created = (await admin.DataAsync(Create, new { input = new { name = "ACME", slug, quota = new { cpuMillicores = 4000, memoryMiB = 4096, services = 5 }, imagePolicy = new[] { "registry.example/*" } } }))["createClient"]!;
        var id = created["id"]!.GetValue<string>();
        Assert.Equal("ACTIVE", created["status"]!.GetValue<string>());
        Assert.Equal(1, created["version"]!.GetValue<long>());

        var updated = (await admin.DataAsync(
            "mutation($input: UpdateClientInput!) { updateClient(input: $input) { name version quota { services } } }",
            new { input = new { id, name = "ACME Corp", quota = new { cpuMillicores = 4000, memoryMiB = 4096, services = 8 }, expectedVersion = 1 } }))["updateClient"]!;
        Assert.Equal("ACME Corp", updated["name"]!.GetValue<string>());
        Assert.Equal(2, updated["version"]!.GetValue<long>());

        var stale = await admin.SendAsync(
            "mutation($input: UpdateClientInput!) { updateClient(input: $input) { name } }",
            new { input = new { id, name = "Lost update", expectedVersion = 1 } });
        Assert.Equal("CONFLICT", stale.ErrorCode);
        Assert.Equal("expectedVersion", stale.ErrorField);

        // Suspending twice is a retry, not an error.
        for (var i = 0; i < 2; i++)
        {
            var suspended = await admin.DataAsync("mutation($id: ID!) { suspendClient(id: $id) { status } }", new { id });
            Assert.Equal("SUSPENDED", suspended["suspendClient"]!["status"]!.GetValue<string>());
        }

        await admin.DataAsync("mutation($id: ID!) { resumeClient(id: $id) { status } }", new { id });
        Assert.Equal(id, (await admin.DataAsync("mutation($id: ID!) { deleteClient(id: $id) }", new { id }))["deleteClient"]!.GetValue<string>());
        Assert.Equal("NOT_FOUND", (await admin.SendAsync("query($id: ID!) { client(id: $id) { id } }", new { id })).ErrorCode);
    }

    [Fact]
    public async Task Duplicate_slug_is_a_conflict_and_creates_nothing()
    {
        var admin = await App.AdminAsync();
        var slug = Unique("dup");
        await admin.CreateClientAsync(slug);
        var again = await admin.SendAsync(Create, new { input = new { name = "Other", slug } });
        Assert.Equal("CONFLICT", again.ErrorCode);
        Assert.Equal("slug", again.ErrorField);
        var count = await admin.DataAsync("query($s: String) { clients(search: $s) { totalCount } }", new { s = slug });
        Assert.Equal(1, count["clients"]!["totalCount"]!.GetValue<int>());
    }

    [Theory]
    [InlineData("Not A Slug", "slug")]
    [InlineData("-leading-dash", "slug")]
    [InlineData("", "name")]
    public async Task Bad_input_names_the_field(string value, string field)
    {
        var admin = await App.AdminAsync();
        var input = field == "slug" ? new { name = "Valid", slug = value } : new { name = value, slug = Unique("ok") };
        var result = await admin.SendAsync(Create, new { input });
        Assert.Equal("BAD_USER_INPUT", result.ErrorCode);
        Assert.Equal(field, result.ErrorField);
    }

    [Fact]
    public async Task Negative_quota_is_refused_with_its_field()
    {
        var admin = await App.AdminAsync();
        var result = await admin.SendAsync(Create, new { input = new { name = "Q", slug = Unique("q"), quota = new { cpuMillicores = -1, memoryMiB = 1, services = 1 } } });
        Assert.Equal("BAD_USER_INPUT", result.ErrorCode);
        Assert.Equal("quota.cpuMillicores", result.ErrorField);
    }

    [Fact]
    public async Task Clients_page_with_cursors_and_filter_by_search_and_status()
    {
        var admin = await App.AdminAsync();
        var tag = Guid.NewGuid().ToString("N")[..8];
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add(await admin.CreateClientAsync($"page-{tag}-{i}"));
        }

        await admin.DataAsync("mutation($id: ID!) { suspendClient(id: $id) { id } }", new { id = ids[4] });
        const string Page = "query($s: String, $after: String, $st: ClientStatus) { clients(first: 2, after: $after, search: $s, status: $st, sort: NAME) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id slug } } } }";
        var seen = new List<string>();
        string? after = null;
        do
        {
            var page = (await admin.DataAsync(Page, new { s = tag, after, st = (string?)null }))["clients"]!;
            Assert.Equal(5, page["totalCount"]!.GetValue<int>());
            seen.AddRange(page["edges"]!.AsArray().Select(e => e!["node"]!["slug"]!.GetValue<string>()));
            after = page["pageInfo"]!["hasNextPage"]!.GetValue<bool>() ? page["pageInfo"]!["endCursor"]!.GetValue<string>() : null;
        }
        while (after is not null);

        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"page-{tag}-{i}"), seen);
        var active = (await admin.DataAsync(Page, new { s = tag, after = (string?)null, st = "ACTIVE" }))["clients"]!;
        Assert.Equal(4, active["totalCount"]!.GetValue<int>());

        // Without totalCount the server skips counting; paging must come out the same. An alias still counts.
        const string Uncounted = "query($s: String, $after: String) { clients(first: 2, after: $after, search: $s, sort: NAME) { pageInfo { hasNextPage endCursor } edges { node { slug } } } }";
        var uncounted = new List<string>();
        after = null;
        do
        {
            var page = (await admin.DataAsync(Uncounted, new { s = tag, after }))["clients"]!;
            Assert.Null(page["totalCount"]);
            uncounted.AddRange(page["edges"]!.AsArray().Select(e => e!["node"]!["slug"]!.GetValue<string>()));
            after = page["pageInfo"]!["hasNextPage"]!.GetValue<bool>() ? page["pageInfo"]!["endCursor"]!.GetValue<string>() : null;
        }
        while (after is not null);

        Assert.Equal(seen, uncounted);
        var aliased = (await admin.DataAsync("query($s: String) { clients(first: 1, search: $s) { n: totalCount } }", new { s = tag }))["clients"]!;
        Assert.Equal(5, aliased["n"]!.GetValue<int>());

        var bad = await admin.SendAsync("{ clients(first: 1000) { totalCount } }");
        Assert.Equal("first", bad.ErrorField);
        var badCursor = await admin.SendAsync("{ clients(after: \"garbage\") { totalCount } }");
        Assert.Equal("after", badCursor.ErrorField);
    }

    [Fact]
    public async Task Client_with_services_cannot_be_deleted()
    {
        var admin = await App.AdminAsync();
        await admin.EnsureNodeAsync();
        var id = await admin.CreateClientAsync(Unique("busy"));
        await admin.CreateServiceAsync(id, "web");
        Assert.Equal("CONFLICT", (await admin.SendAsync("mutation($id: ID!) { deleteClient(id: $id) }", new { id })).ErrorCode);
    }
}

public sealed class ClientTestsOnSqlite(SqliteApp app) : ClientTests(app);

public sealed class ClientTestsOnPostgres(PostgresApp app) : ClientTests(app);
