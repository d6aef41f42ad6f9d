using Microsoft.Extensions.DependencyInjection;
using PrivateNexus.Tests.Infrastructure;

namespace PrivateNexus.Tests.Realtime;

/// <summary>
/// Several server replicas behind one load balancer: what happens on one reaches subscribers
/// on the others through Redis; without Redis each keeps serving on its own, and recovers.
/// </summary>
public sealed class ReplicaTests(ReplicaPair pair) : IClassFixture<ReplicaPair>
{
    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..10]}";

    [Fact]
    public async Task A_change_made_through_replica_A_reaches_a_subscriber_on_replica_B()
    {
        pair.RequireAvailable();
        var adminA = await pair.A.AdminAsync();

        // A token issued by A is good on B (keys in the shared database).
        await using var onB = await ReadyAuditSubscriberAsync(pair.B, adminA.Token!);
        var clientId = await adminA.CreateClientAsync(Unique("pair"));
        var seen = await WebSocketProtocolTests.NextUntilAsync(onB, "a", e => e["targetId"]?.GetValue<string>() == clientId);
        Assert.Equal("client.create", seen["action"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_membership_removed_through_A_is_effective_on_B_at_once()
    {
        pair.RequireAvailable();
        var adminA = await pair.A.AdminAsync();
        var client = await adminA.CreateClientAsync(Unique("roles"));
        var email = $"{Unique("m")}@example.test";
        var userId = await adminA.CreateUserAsync(email);
        await adminA.AddMemberAsync(client, email, "MEMBER");
        var memberOnB = await pair.B.SignedInAsync(email, AdminActions.Password);

        // B caches the member's roles on first use …
        var before = await memberOnB.SendAsync("query($id: ID!) { client(id: $id) { id } }", new { id = client });
        Assert.Null(before.Errors);

        // … and forgets them the moment A changes them (not after the cache's 5 minutes).
        await adminA.DataAsync("mutation($c: ID!, $u: ID!) { removeMember(clientId: $c, userId: $u) }", new { c = client, u = userId });
        Assert.True(await Eventually.TrueAsync(
            async () => (await memberOnB.SendAsync("query($id: ID!) { client(id: $id) { id } }", new { id = client })).ErrorCode == "NOT_FOUND",
            TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task Redis_stopped_mid_run_degrades_readiness_without_breaking_either_replica_and_service_resumes_when_it_returns()
    {
        pair.RequireAvailable();
        var adminA = await pair.A.AdminAsync();
        var adminB = await pair.B.AdminAsync();
        await using var onB = await ReadyAuditSubscriberAsync(pair.B, adminA.Token!);
        await using var onA = await ReadyAuditSubscriberAsync(pair.A, adminA.Token!);

        pair.StopRedis();
        try
        {
            Assert.True(await Eventually.TrueAsync(async () => await ReadyAsync(pair.A) == "Degraded", TimeSpan.FromSeconds(15)));

            // Both replicas still answer queries and mutations; A's own subscribers still hear A's changes.
            await adminB.DataAsync("{ me { id } }");
            var during = await adminA.CreateClientAsync(Unique("no-redis"));
            var local = await WebSocketProtocolTests.NextUntilAsync(onA, "a", e => e["targetId"]?.GetValue<string>() == during);
            Assert.Equal("client.create", local["action"]!.GetValue<string>());

            // What B missed is counted where operators look.
            using var http = pair.A.Http();
            var metrics = await http.GetStringAsync("/metrics", TestContext.Current.CancellationToken);
            var failures = metrics.Split('\n').Single(l => l.StartsWith("pnx_events_redis_send_failures_total ", StringComparison.Ordinal));
            Assert.True(double.Parse(failures.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture) > 0, failures);
        }
        finally
        {
            await pair.StartRedisAsync();
        }

        Assert.True(await Eventually.TrueAsync(async () => await ReadyAsync(pair.A) == "Healthy" && await ReadyAsync(pair.B) == "Healthy", TimeSpan.FromSeconds(30)));

        // Across replicas again (B's subscription survived the outage: the bus re-subscribed by itself).
        var after = await adminA.CreateClientAsync(Unique("redis-back"));
        var seen = await WebSocketProtocolTests.NextUntilAsync(onB, "a", e => e["targetId"]?.GetValue<string>() == after);
        Assert.Equal("client.create", seen["action"]!.GetValue<string>());
    }

    [Fact]
    public async Task Failed_sign_ins_spread_over_both_replicas_lock_the_account_on_both()
    {
        pair.RequireAvailable();
        var email = $"{Unique("lock")}@example.test";
        await (await pair.A.AdminAsync()).CreateUserAsync(email);
        var onA = new OAuthFlow(pair.A.BaseAddress);
        var onB = new OAuthFlow(pair.B.BaseAddress);
        for (var i = 0; i < 5; i++)
        {
            await (i % 2 == 0 ? onA : onB).TrySignInAsync(email, "wrong-password-" + i);
        }

        foreach (var flow in new[] { onA, onB })
        {
            var (tokens, error) = await flow.TrySignInAsync(email, AdminActions.Password);
            Assert.Null(tokens);
            Assert.Contains("locked", error, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public async Task A_rate_limit_counted_in_Redis_allows_its_permits_once_across_replicas()
    {
        pair.RequireAvailable();

        await BothConnectedAsync();

        // Two limiters as two replicas build them, on the pair's Redis: together they allow 5, not 10.
        var key = "test:" + Guid.NewGuid().ToString("N");
        var granted = 0;
        foreach (var replica in new[] { pair.A, pair.B })
        {
            var shared = replica.Services.GetRequiredService<PrivateNexus.Server.Identity.SharedRateLimits>();
            using var limiter = System.Threading.RateLimiting.PartitionedRateLimiter.Create<string, string>(k => shared.FixedWindow(k, 5, TimeSpan.FromMinutes(1)));
            for (var i = 0; i < 5; i++)
            {
                using var lease = await limiter.AcquireAsync(key, 1, TestContext.Current.CancellationToken);
                granted += lease.IsAcquired ? 1 : 0;
            }
        }

        Assert.Equal(5, granted);
    }

    [Fact]
    public async Task Exactly_one_replica_holds_a_node_lease_and_the_other_takes_over_when_it_lets_go()
    {
        pair.RequireAvailable();
        await BothConnectedAsync();
        var leasesA = pair.A.Services.GetRequiredService<PrivateNexus.Server.Engine.NodeLeases>();
        var leasesB = pair.B.Services.GetRequiredService<PrivateNexus.Server.Engine.NodeLeases>();
        var node = Guid.NewGuid();

        // Both ask (enlisting the node), both try; one wins.
        Assert.False(leasesA.Holds(node));
        Assert.False(leasesB.Holds(node));
        await leasesA.RefreshAsync();
        await leasesB.RefreshAsync();
        Assert.True(leasesA.Holds(node) ^ leasesB.Holds(node));

        // The holder renews (still exactly one), then lets go: the other takes it on its next round.
        await leasesA.RefreshAsync();
        await leasesB.RefreshAsync();
        var (holder, other) = leasesA.Holds(node) ? (leasesA, leasesB) : (leasesB, leasesA);
        Assert.True(holder.Holds(node) && !other.Holds(node));
        await holder.ReleaseAsync(node);
        await other.RefreshAsync();
        Assert.True(other.Holds(node));
    }

    /// <summary>Another test of this class stops Redis for a while: tests that need it start from both replicas connected.</summary>
    private async Task BothConnectedAsync() =>
        Assert.True(await Eventually.TrueAsync(async () => await ReadyAsync(pair.A) == "Healthy" && await ReadyAsync(pair.B) == "Healthy", TimeSpan.FromSeconds(30)));

    private static async Task<string> ReadyAsync(PnxApp app)
    {
        using var http = app.Http();
        using var response = await http.GetAsync("/readyz", TestContext.Current.CancellationToken);
        return await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
    }

    private static async Task<GraphQLWsClient> ReadyAuditSubscriberAsync(PnxApp app, string token)
    {
        var ws = await GraphQLWsClient.ReadyAsync(app, token);
        await ws.SubscribeAsync("a", "subscription { auditEventAdded { action targetId } }");
        await ws.SendAsync(new { type = "ping" });
        Assert.Equal("pong", (await ws.ReceiveAsync())!["type"]!.GetValue<string>());
        return ws;
    }
}

/// <summary>A server configured with a Redis that is not there (yet).</summary>
public sealed class RedisLaterApp : PnxApp
{
    public PrivateRedis Redis { get; } = new();

    public override string Provider => "sqlite";

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Pnx:RedisUrl"] = Redis.Url,
    };

    public override Task<string?> ReadStoredAsync(string table, string column, string id) => throw new NotSupportedException();

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Redis.Dispose();
    }
}

/// <summary>Redis is an accelerator, not a dependency: a server starts without it and joins it when it comes.</summary>
public sealed class RedisLaterTests(RedisLaterApp app) : IClassFixture<RedisLaterApp>
{
    [Fact]
    public async Task A_server_whose_Redis_is_down_at_start_serves_and_reports_degraded_then_joins_it()
    {
        using var http = app.Http();
        Assert.Equal("Degraded", await http.GetStringAsync("/readyz", TestContext.Current.CancellationToken));

        // Its own subscribers hear its own changes meanwhile.
        var admin = await app.AdminAsync();
        await using var ws = await GraphQLWsClient.ReadyAsync(app, admin.Token!);
        await ws.SubscribeAsync("a", "subscription { auditEventAdded { action targetId } }");
        await ws.SendAsync(new { type = "ping" });
        Assert.Equal("pong", (await ws.ReceiveAsync())!["type"]!.GetValue<string>());
        var clientId = await admin.CreateClientAsync($"later-{Guid.NewGuid():N}"[..20]);
        var seen = await WebSocketProtocolTests.NextUntilAsync(ws, "a", e => e["targetId"]?.GetValue<string>() == clientId);
        Assert.Equal("client.create", seen["action"]!.GetValue<string>());

        if (PrivateRedis.ServerBinary is null)
        {
            Assert.False(Environment.GetEnvironmentVariable("CI") is { Length: > 0 }, "PNX_TEST_REDIS_SERVER must be set in CI.");
            Assert.Skip("No redis-server; run scripts/test.sh.");
        }

        await app.Redis.StartAsync();
        Assert.True(await Eventually.TrueAsync(
            async () => await http.GetStringAsync("/readyz", TestContext.Current.CancellationToken) == "Healthy",
            TimeSpan.FromSeconds(30)));
    }
}
