using Npgsql;
using PrivateNexus.Tests.Infrastructure;
using PrivateNexus.Tests.Realtime;

namespace PrivateNexus.Tests.Alerts;

/// <summary>
/// Two replicas on one PostgreSQL and one Redis, both running the evaluator: one holds the alerting
/// lease, so a transition reaches the webhook once, not once per replica.
/// </summary>
public sealed class AlertReplicaTests(AlertReplicaPair pair) : IClassFixture<AlertReplicaPair>
{
    [Fact]
    public async Task Two_replicas_send_a_transition_once_and_only_the_leader_reports_firing_alerts()
    {
        pair.RequireAvailable();
        var adminA = await pair.A.AdminAsync();
        await adminA.EnsureNodeAsync();
        var client = await adminA.CreateClientAsync($"pair-{Guid.NewGuid():N}"[..15]);
        await adminA.CreateServiceAsync(client, "web");
        await using var receiver = new WebhookReceiver();
        var channel = (await adminA.DataAsync(
            "mutation($input: CreateNotificationChannelInput!) { createNotificationChannel(input: $input) { id } }",
            new { input = new { clientId = client, name = "hook", type = "WEBHOOK", url = receiver.Url, secret = "replica-test-secret" } }))["createNotificationChannel"]!["id"]!.GetValue<string>();
        await adminA.DataAsync(
            "mutation($input: CreateAlertRuleInput!) { createAlertRule(input: $input) { id } }",
            new { input = new { clientId = client, name = "quota", kind = "QUOTA_NEARLY_USED", threshold = 0.001, channelIds = new[] { channel } } });

        Assert.True(await Eventually.TrueAsync(() => Task.FromResult(!receiver.Received.IsEmpty), TimeSpan.FromSeconds(30)), "the firing alert is sent");
        await Task.Delay(TimeSpan.FromSeconds(4), TestContext.Current.CancellationToken);
        Assert.Single(receiver.Attempts);

        var firing = new List<double>();
        foreach (var replica in new[] { pair.A, pair.B })
        {
            using var http = replica.Http();
            var metrics = await http.GetStringAsync("/metrics", TestContext.Current.CancellationToken);
            var line = metrics.Split('\n').Single(l => l.StartsWith("pnx_alerts_firing{severity=\"warning\"}", StringComparison.Ordinal));
            firing.Add(double.Parse(line.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture));
        }

        Assert.Single(firing, f => f >= 1);
        Assert.Single(firing, f => f == 0);
    }
}

/// <summary>Two replicas as in <see cref="ReplicaPair"/>, whose clients' webhooks may reach the test's loopback listener.</summary>
public sealed class AlertReplicaPair : IAsyncLifetime
{
    private readonly string _database = "pnx_alerts_" + Guid.NewGuid().ToString("N")[..12];
    private readonly PrivateRedis _redis = new();

    public Replica A { get; private set; } = null!;

    public Replica B { get; private set; } = null!;

    public bool Available { get; private set; }

    public async ValueTask InitializeAsync()
    {
        if (PostgresApp.AdminConnectionString is null || PrivateRedis.ServerBinary is null)
        {
            return;
        }

        await using (var admin = new NpgsqlConnection(PostgresApp.AdminConnectionString))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{_database}\"", admin);
            await create.ExecuteNonQueryAsync();
        }

        await _redis.StartAsync();
        var connection = new NpgsqlConnectionStringBuilder(PostgresApp.AdminConnectionString) { Database = _database }.ConnectionString;
        A = new Replica(connection, _redis.Url);
        await A.InitializeAsync();
        B = new Replica(connection, _redis.Url);
        await B.InitializeAsync();
        Available = true;
    }

    public async ValueTask DisposeAsync()
    {
        if (Available)
        {
            await B.DisposeAsync();
            await A.DisposeAsync();
            NpgsqlConnection.ClearAllPools();
            await using var admin = new NpgsqlConnection(PostgresApp.AdminConnectionString);
            await admin.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{_database}\" WITH (FORCE)", admin);
            await drop.ExecuteNonQueryAsync();
        }

        _redis.Dispose();
    }

    public void RequireAvailable()
    {
        if (Available)
        {
            return;
        }

        Assert.False(Environment.GetEnvironmentVariable("CI") is { Length: > 0 }, "PNX_TEST_POSTGRES and PNX_TEST_REDIS_SERVER must be set in CI.");
        Assert.Skip("PostgreSQL and Redis are not provided; run scripts/test.sh.");
    }

    public sealed class Replica(string connectionString, string redisUrl) : PnxApp
    {
        public override string Provider => "postgres";

        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
        {
            ["Pnx:DatabaseUrl"] = connectionString,
            ["Pnx:MigrateOnStart"] = "true",
            ["Pnx:KeysInDatabase"] = "true",
            ["Pnx:RedisUrl"] = redisUrl,
            ["Pnx:Alerts:AllowPrivateWebhookTargets"] = "true",
        };

        public override Task<string?> ReadStoredAsync(string table, string column, string id) => throw new NotSupportedException();
    }
}
