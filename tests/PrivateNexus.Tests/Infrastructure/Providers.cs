using Npgsql;

[assembly: AssemblyFixture(typeof(PrivateNexus.Tests.Infrastructure.SqliteApp))]
[assembly: AssemblyFixture(typeof(PrivateNexus.Tests.Infrastructure.PostgresApp))]

namespace PrivateNexus.Tests.Infrastructure;

/// <summary>The embedded default: SQLite in a temporary data directory.</summary>
public sealed class SqliteApp : PnxApp
{
    public override string Provider => "sqlite";

    public override async Task<string?> ReadStoredAsync(string table, string column, string id)
    {
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(DataDir, "privatenexus.db")};Mode=ReadOnly");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT \"{column}\" FROM \"{table}\" WHERE upper(\"Id\") = upper($id)";
        command.Parameters.AddWithValue("$id", id);
        return (await command.ExecuteScalarAsync())?.ToString();
    }

    public override async Task ExecuteOutsideServerAsync(string sql)
    {
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(DataDir, "privatenexus.db")}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}

/// <summary>
/// A real PostgreSQL (started by scripts/test-env.sh, found through PNX_TEST_POSTGRES) with a
/// database of its own, created here and dropped afterwards.
/// </summary>
public sealed class PostgresApp : PnxApp
{
    private readonly string _database = "pnx_test_" + Guid.NewGuid().ToString("N")[..12];
    private string? _connectionString;

    public override string Provider => "postgres";

    public static string? AdminConnectionString => Environment.GetEnvironmentVariable("PNX_TEST_POSTGRES");

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Pnx:DatabaseUrl"] = _connectionString,
        ["Pnx:MigrateOnStart"] = "true",
    };

    public override async ValueTask InitializeAsync()
    {
        if (AdminConnectionString is null)
        {
            return;
        }

        await using (var admin = new NpgsqlConnection(AdminConnectionString))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{_database}\"", admin);
            await create.ExecuteNonQueryAsync();
        }

        _connectionString = new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = _database }.ConnectionString;
        await base.InitializeAsync();
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (_connectionString is null)
        {
            return;
        }

        NpgsqlConnection.ClearAllPools();
        await using var admin = new NpgsqlConnection(AdminConnectionString);
        await admin.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{_database}\" WITH (FORCE)", admin);
        await drop.ExecuteNonQueryAsync();
    }

    public override async Task<string?> ReadStoredAsync(string table, string column, string id)
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"SELECT \"{column}\"::text FROM \"{table}\" WHERE \"Id\" = @id", connection);
        command.Parameters.AddWithValue("id", Guid.Parse(id));
        return (await command.ExecuteScalarAsync())?.ToString();
    }

    public override async Task ExecuteOutsideServerAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Skips the calling test when no PostgreSQL was provided (scripts/test.sh always provides one).</summary>
    public void RequireAvailable()
    {
        if (_connectionString is not null)
        {
            return;
        }

        // In CI a missing database is a broken test environment, never a reason to skip.
        Assert.False(Environment.GetEnvironmentVariable("CI") is { Length: > 0 }, "PNX_TEST_POSTGRES is not set in CI.");
        Assert.Skip("PNX_TEST_POSTGRES is not set; run scripts/test.sh.");
    }
}
