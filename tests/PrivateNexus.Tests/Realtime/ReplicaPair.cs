using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;
using PrivateNexus.Tests.Infrastructure;

namespace PrivateNexus.Tests.Realtime;

/// <summary>
/// Two server replicas as production runs them: one PostgreSQL database, one Data Protection key
/// ring in it, one Redis — here a redis-server of this fixture's own (the binary test-env.sh
/// installed), so a test can stop and restart it without disturbing other suites.
/// </summary>
public sealed class ReplicaPair : IAsyncLifetime
{
    private readonly string _database = "pnx_pair_" + Guid.NewGuid().ToString("N")[..12];
    private readonly string _redisDir = Path.Combine(Path.GetTempPath(), "pnx-tests", "redis-" + Guid.NewGuid().ToString("N")[..8]);
    private Process? _redis;

    public Replica A { get; private set; } = null!;

    public Replica B { get; private set; } = null!;

    public int RedisPort { get; } = FreePort();

    public bool Available { get; private set; }

    public async ValueTask InitializeAsync()
    {
        if (PostgresApp.AdminConnectionString is null || Environment.GetEnvironmentVariable("PNX_TEST_REDIS_SERVER") is null)
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
        A = new Replica(connection, $"redis://127.0.0.1:{RedisPort}");
        await A.InitializeAsync();
        B = new Replica(connection, $"redis://127.0.0.1:{RedisPort}");
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

        StopRedis();
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

    /// <summary>Starts (or restarts, on the same port) this fixture's Redis and waits until it answers.</summary>
    public async Task StartRedisAsync()
    {
        Directory.CreateDirectory(_redisDir);
        _redis = Process.Start(new ProcessStartInfo(Environment.GetEnvironmentVariable("PNX_TEST_REDIS_SERVER")!)
        {
            ArgumentList = { "--port", RedisPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", _redisDir },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        _redis.OutputDataReceived += (_, _) => { };
        _redis.BeginOutputReadLine();
        for (var i = 0; i < 100; i++)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, RedisPort);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }

        throw new InvalidOperationException($"redis-server did not listen on {RedisPort}");
    }

    public void StopRedis()
    {
        if (_redis is { HasExited: false })
        {
            _redis.Kill(entireProcessTree: true);
            _redis.WaitForExit(10_000);
        }

        _redis?.Dispose();
        _redis = null;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>One replica: PostgreSQL (shared), keys in the database, Redis for the bus.</summary>
    public sealed class Replica(string connectionString, string redisUrl) : PnxApp
    {
        public override string Provider => "postgres";

        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
        {
            ["Pnx:DatabaseUrl"] = connectionString,
            ["Pnx:MigrateOnStart"] = "true",
            ["Pnx:KeysInDatabase"] = "true",
            ["Pnx:RedisUrl"] = redisUrl,
        };

        public override Task<string?> ReadStoredAsync(string table, string column, string id) => throw new NotSupportedException();
    }
}
