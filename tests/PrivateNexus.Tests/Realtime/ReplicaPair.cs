using Npgsql;
using PrivateNexus.Tests.Infrastructure;

namespace PrivateNexus.Tests.Realtime;

/// <summary>
/// Two server replicas as production runs them: one PostgreSQL database, one Data Protection key
/// ring in it, one Redis — here a redis-server of this fixture's own (the binary test-env.sh
/// installed), so a test can stop and restart it without disturbing other suites.
/// </summary>
public class ReplicaPair : IAsyncLifetime
{
    private readonly string _database = "pnx_pair_" + Guid.NewGuid().ToString("N")[..12];
    private readonly PrivateRedis _redis = new();

    public Replica A { get; private set; } = null!;

    public Replica B { get; private set; } = null!;


    public bool Available { get; private set; }

    /// <summary>Settings both replicas get on top of <see cref="Replica"/>'s own (a suite's special needs).</summary>
    protected virtual IReadOnlyDictionary<string, string?> ExtraSettings { get; } = new Dictionary<string, string?>();

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

        await StartRedisAsync();
        var connection = new NpgsqlConnectionStringBuilder(PostgresApp.AdminConnectionString) { Database = _database }.ConnectionString;

        // One after the other: the first migrates and bootstraps, the second finds it done.
        A = new Replica(connection, _redis.Url, ExtraSettings);
        await A.InitializeAsync();
        B = new Replica(connection, _redis.Url, ExtraSettings);
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
        GC.SuppressFinalize(this);
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

    /// <summary>Starts (or restarts, on the same port) this fixture's Redis.</summary>
    public Task StartRedisAsync() => _redis.StartAsync();

    public void StopRedis() => _redis.Stop();

    /// <summary>One replica: PostgreSQL (shared), keys in the database, Redis for the bus.</summary>
    public sealed class Replica(string connectionString, string redisUrl, IReadOnlyDictionary<string, string?> extra) : PnxApp
    {
        public override string Provider => "postgres";

        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(extra)
        {
            ["Pnx:DatabaseUrl"] = connectionString,
            ["Pnx:MigrateOnStart"] = "true",
            ["Pnx:KeysInDatabase"] = "true",
            ["Pnx:RedisUrl"] = redisUrl,
        };

        public override Task<string?> ReadStoredAsync(string table, string column, string id) => throw new NotSupportedException();
    }
}
