using PrivateNexus.Server.Hosting;
using PrivateNexus.Tests.Infrastructure;

namespace PrivateNexus.Tests.Operations;

/// <summary>
/// A wrong setting stops the real server process at start with exactly one line naming the setting
/// and what it must be, exit code 78, and no stack trace — for each kind of mistake.
/// </summary>
public sealed class ConfigurationErrorTests
{
    [Theory]
    [InlineData("PNX_ACCESS_TOKEN_LIFETIME", "abc", "must be a duration such as 00:15:00")]
    [InlineData("PNX_ACCESS_TOKEN_LIFETIME", "00:00:01", "must be between 00:00:05 and 1.00:00:00")]
    [InlineData("PNX_GRAPHQL__MAX_DEPTH", "1000", "must be between 2 and 50")]
    [InlineData("PNX_AUTH_REQUESTS_PER_MINUTE", "many", "must be a whole number")]
    [InlineData("PNX_ENGINE__ENABLED", "maybe", "must be true or false")]
    [InlineData("PNX_ENGINE__PORT_RANGE_START", "40000", "must not be above PNX_ENGINE__PORT_RANGE_END")]
    [InlineData("PNX_ENGINE__PUBLISH_ADDRESS", "everywhere", "is not an IP address")]
    [InlineData("PNX_TRUSTED_PROXIES__0", "proxy.internal", "is not an IP address")]
    [InlineData("PNX_PUBLIC_URL", "nexus.example.com", "must be an absolute http(s) URL")]
    [InlineData("PNX_PROMETHEUS_URL", "prometheus:9090", "must be an absolute http(s) URL")]
    [InlineData("PNX_PROMETHEUS_URL", "/prometheus", "must be an absolute http(s) URL")]
    [InlineData("PNX_BOOTSTRAP_ADMIN_PASSWORD", "short", "must be at least 10 characters long")]
    [InlineData("PNX_LOG_FORMAT", "xml", "use text or json")]
    [InlineData("PNX_REALTIME__SEND_QUEUE_LIMIT", "1", "must be between 16 and 1000000")]
    [InlineData("PNX_ALERTS__EVALUATION_INTERVAL", "00:00:00", "must be between 00:00:01 and 01:00:00")]
    [InlineData("PNX_SMTP__PORT", "0", "must be between 1 and 65535")]
    [InlineData("PNX_REDIS_URL", "redis://:secret@[cache", "is neither redis://")]
    [InlineData("PNX_REDIS_URL", "http://cache.internal", "it names no host")]
    [InlineData("PNX_DATABASE_URL", "Host=db;Colour=blue", "is neither postgres://")]
    [InlineData("PNX_DATABASE_URL", "postgres://pnx:secret@127.0.0.1:1/nexus", "cannot connect to PostgreSQL at 127.0.0.1:1")]
    [InlineData("PNX_DATA_DIR", "/proc/pnx-not-writable", "cannot write to /proc/pnx-not-writable")]
    public async Task A_wrong_setting_stops_the_start_with_one_line(string variable, string value, string expected)
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "pnx-tests", Guid.NewGuid().ToString("N"));
        var environment = new Dictionary<string, string>
        {
            ["PNX_DATA_DIR"] = dataDir,
            ["PNX_ENGINE__REGISTER_LOCAL_NODE"] = "false",
            ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
        };
        if (variable == "PNX_BOOTSTRAP_ADMIN_PASSWORD")
        {
            environment["PNX_BOOTSTRAP_ADMIN_EMAIL"] = "admin@example.test";
        }

        environment[variable] = value;
        try
        {
            var (exit, output, error) = await ServerProcess.RunAsync(environment);
            var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.True(exit == ConfigurationCheck.ExitCode, $"exit {exit}\n{error}\n{output}");
            var line = Assert.Single(lines);
            Assert.StartsWith($"Configuration error: {variable} ", line, StringComparison.Ordinal);
            Assert.Contains(expected, line, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", output + error, StringComparison.Ordinal);
            Assert.DoesNotContain("secret", line, StringComparison.Ordinal);
        }
        finally
        {
            if (Directory.Exists(dataDir))
            {
                Directory.Delete(dataDir, recursive: true);
            }
        }
    }

    [Fact]
    public async Task A_database_migrated_by_a_newer_server_stops_the_start_with_one_line()
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "pnx-tests", Guid.NewGuid().ToString("N"));
        var environment = new Dictionary<string, string> { ["PNX_DATA_DIR"] = dataDir, ["PNX_ENGINE__REGISTER_LOCAL_NODE"] = "false" };
        try
        {
            var migrate = await ServerProcess.RunAsync(environment, "migrate");
            Assert.True(migrate.ExitCode == 0, migrate.Error);
            await using (var db = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(dataDir, "privatenexus.db")};Pooling=False"))
            {
                await db.OpenAsync(TestContext.Current.CancellationToken);
                await using var future = db.CreateCommand();
                future.CommandText = "INSERT INTO __ef_migrations VALUES ('29991231000000_FromTheFuture', '99.0.0')";
                await future.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
            }

            environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
            var (exit, output, error) = await ServerProcess.RunAsync(environment);
            Assert.True(exit == ConfigurationCheck.ExitCode, $"exit {exit}\n{error}\n{output}");
            var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith("Cannot start: The database was migrated by a newer PrivateNexus (29991231000000_FromTheFuture)", line, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", output + error, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }

    [Fact]
    public async Task A_postgres_schema_behind_the_server_stops_the_start_with_one_line_asking_for_migrate()
    {
        var admin = PostgresApp.AdminConnectionString;
        Assert.SkipWhen(admin is null && Environment.GetEnvironmentVariable("CI") is null, "PNX_TEST_POSTGRES is not set.");
        var database = "pnx_behind_" + Guid.NewGuid().ToString("N")[..10];
        await ExecuteAsync(admin!, $"CREATE DATABASE \"{database}\"");
        var dataDir = Path.Combine(Path.GetTempPath(), "pnx-tests", Guid.NewGuid().ToString("N"));
        try
        {
            var environment = new Dictionary<string, string>
            {
                ["PNX_DATA_DIR"] = dataDir,
                ["PNX_DATABASE_URL"] = new Npgsql.NpgsqlConnectionStringBuilder(admin) { Database = database }.ConnectionString,
                ["PNX_ENGINE__REGISTER_LOCAL_NODE"] = "false",
                ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
            };
            var (exit, output, error) = await ServerProcess.RunAsync(environment);
            Assert.True(exit == ConfigurationCheck.ExitCode, $"exit {exit}\n{error}\n{output}");
            var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith("Cannot start: The database schema is behind this server", line, StringComparison.Ordinal);
            Assert.Contains("Run the 'migrate' command first", line, StringComparison.Ordinal);
        }
        finally
        {
            Npgsql.NpgsqlConnection.ClearAllPools();
            await ExecuteAsync(admin!, $"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)");
            if (Directory.Exists(dataDir))
            {
                Directory.Delete(dataDir, recursive: true);
            }
        }
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new Npgsql.NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    [Theory]
    [InlineData("Pnx:DataDir", "PNX_DATA_DIR")]
    [InlineData("Pnx:GraphQL:MaxDepth", "PNX_GRAPHQL__MAX_DEPTH")]
    [InlineData("Pnx:Engine:PortRangeStart", "PNX_ENGINE__PORT_RANGE_START")]
    [InlineData("Pnx:TrustedProxies:0", "PNX_TRUSTED_PROXIES__0")]
    public void Configuration_keys_name_their_environment_variables(string key, string variable) =>
        Assert.Equal(variable, PnxEnvironmentVariables.ToVariable(key));
}
