using System.Text.Json.Nodes;
using Npgsql;
using PrivateNexus.Tests.Infrastructure;

namespace PrivateNexus.Tests.Identity;

/// <summary>The operator's commands, run as real processes against the test servers' databases.</summary>
public sealed class CommandLineTests(SqliteApp sqlite) : AppTests(sqlite)
{
    [Fact]
    public async Task Create_client_app_prints_credentials_that_get_a_token()
    {
        var admin = await App.AdminAsync();
        var slug = Unique("cli");
        await admin.CreateClientAsync(slug);
        var (exit, output, error) = await ServerProcess.RunAsync(
            new Dictionary<string, string> { ["PNX_DATA_DIR"] = App.DataDir },
            "create-client-app", "--name", "ci-pipeline", "--client", slug, "--role", "Member", "--scope", "api:read");
        Assert.True(exit == 0, $"exit {exit}: {error}\n{output}");
        var json = JsonNode.Parse(output.Trim())!;

        using var http = App.Http();
        var (_, body) = await OAuthFlow.TokenAsync(http, new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = json["client_id"]!.GetValue<string>(),
            ["client_secret"] = json["client_secret"]!.GetValue<string>(),
            ["scope"] = "api:read",
        });
        var app = App.WithToken(body["access_token"]!.GetValue<string>());
        var clients = (await app.DataAsync("{ clients { edges { node { slug } } } }"))["clients"]!["edges"]!.AsArray();
        Assert.Equal(slug, Assert.Single(clients)!["node"]!["slug"]!.GetValue<string>());
    }

    [Fact]
    public async Task Create_client_app_with_a_bad_role_fails_with_one_line()
    {
        var (exit, _, error) = await ServerProcess.RunAsync(
            new Dictionary<string, string> { ["PNX_DATA_DIR"] = App.DataDir },
            "create-client-app", "--name", "x", "--role", "Superuser");
        Assert.NotEqual(0, exit);
        Assert.Contains("BAD_USER_INPUT: Role must be one of", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Migrate_is_idempotent_and_refuses_a_newer_database()
    {
        var admin = PostgresApp.AdminConnectionString;
        Assert.SkipWhen(admin is null && Environment.GetEnvironmentVariable("CI") is null, "PNX_TEST_POSTGRES is not set.");
        var database = "pnx_migrate_" + Guid.NewGuid().ToString("N")[..10];
        await ExecuteAsync(admin!, $"CREATE DATABASE \"{database}\"");
        try
        {
            var url = new NpgsqlConnectionStringBuilder(admin) { Database = database }.ConnectionString;
            var env = new Dictionary<string, string> { ["PNX_DATABASE_URL"] = url, ["PNX_DATA_DIR"] = Path.Combine(App.DataDir, database) };
            var first = await ServerProcess.RunAsync(env, "migrate");
            Assert.True(first.ExitCode == 0, first.Error + first.Output);
            // Commands log to standard error; standard output carries only their result.
            Assert.Contains("Applying ", first.Error, StringComparison.Ordinal);
            var second = await ServerProcess.RunAsync(env, "migrate");
            Assert.True(second.ExitCode == 0, second.Error + second.Output);
            Assert.Contains("up to date", second.Error, StringComparison.Ordinal);

            await ExecuteAsync(url, "INSERT INTO \"__ef_migrations\" VALUES ('29991231000000_FromTheFuture', '99.0.0')");
            var newer = await ServerProcess.RunAsync(env, "migrate");
            Assert.NotEqual(0, newer.ExitCode);
            Assert.Contains("migrated by a newer PrivateNexus", newer.Error + newer.Output, StringComparison.Ordinal);
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await ExecuteAsync(admin!, $"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)");
        }
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
