using System.Formats.Tar;
using System.IO.Compression;
using System.Text.Json.Nodes;
using Npgsql;
using PrivateNexus.Tests.Infrastructure;

namespace PrivateNexus.Tests.Operations;

/// <summary>What backup and restore refuse, each with one line: an existing archive file, an archive of the other database kind, one from a newer schema.</summary>
public sealed class RestoreRefusalTests
{
    [Fact]
    public async Task Backup_and_restore_refuse_what_would_lose_or_misplace_data()
    {
        var root = Path.Combine(Path.GetTempPath(), "pnx-tests", "refuse-" + Guid.NewGuid().ToString("N")[..10]);
        var archive = Path.Combine(root, "backup.tar.gz");
        var source = new Dictionary<string, string> { ["PNX_DATA_DIR"] = Path.Combine(root, "source"), ["PNX_ENGINE__REGISTER_LOCAL_NODE"] = "false" };
        try
        {
            Assert.Equal(0, (await ServerProcess.RunAsync(source, "migrate")).ExitCode);
            var backup = await ServerProcess.RunAsync(source, "backup", "--output", archive);
            Assert.True(backup.ExitCode == 0, backup.Error);
            var manifest = JsonNode.Parse(backup.Output)!;
            Assert.Equal("sqlite", manifest["provider"]!.GetValue<string>());

            var again = await ServerProcess.RunAsync(source, "backup", "--output", archive);
            Assert.NotEqual(0, again.ExitCode);
            Assert.Contains("exists already", OneLine(again.Error), StringComparison.Ordinal);

            // A SQLite archive is not restored into PostgreSQL.
            if (PostgresApp.AdminConnectionString is { } admin)
            {
                var database = "pnx_refuse_" + Guid.NewGuid().ToString("N")[..10];
                await ExecuteAsync(admin, $"CREATE DATABASE \"{database}\"");
                try
                {
                    var intoPostgres = await ServerProcess.RunAsync(
                        new Dictionary<string, string>
                        {
                            ["PNX_DATA_DIR"] = Path.Combine(root, "pg"),
                            ["PNX_DATABASE_URL"] = new NpgsqlConnectionStringBuilder(admin) { Database = database }.ConnectionString,
                            ["PNX_ENGINE__REGISTER_LOCAL_NODE"] = "false",
                        },
                        "restore",
                        "--input",
                        archive);
                    Assert.NotEqual(0, intoPostgres.ExitCode);
                    Assert.Contains("restore it with PNX_DATABASE_URL unset", OneLine(intoPostgres.Error), StringComparison.Ordinal);
                }
                finally
                {
                    NpgsqlConnection.ClearAllPools();
                    await ExecuteAsync(admin, $"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)");
                }
            }

            // An archive from a schema this build does not know (a newer PrivateNexus) is refused, and nothing is written.
            var future = Path.Combine(root, "future.tar.gz");
            await RewriteManifestAsync(archive, future, m => m["schemaVersion"] = "29991231000000_FromTheFuture");
            var target = Path.Combine(root, "target");
            var newer = await ServerProcess.RunAsync(
                new Dictionary<string, string> { ["PNX_DATA_DIR"] = target, ["PNX_ENGINE__REGISTER_LOCAL_NODE"] = "false" }, "restore", "--input", future);
            Assert.NotEqual(0, newer.ExitCode);
            Assert.Contains("29991231000000_FromTheFuture, which this version", OneLine(newer.Error), StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Combine(target, "privatenexus.db")));
            Assert.False(Directory.Exists(Path.Combine(target, "keys")));
        }
        finally
        {
            if (Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }
        }
    }

    /// <summary>The error output is one line: no stack trace.</summary>
    private static string OneLine(string error) => Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));

    private static async Task RewriteManifestAsync(string from, string to, Action<JsonObject> change)
    {
        var ct = TestContext.Current.CancellationToken;
        var staging = to + ".d";
        await using (var input = File.OpenRead(from))
        await using (var gzip = new GZipStream(input, CompressionMode.Decompress))
        {
            Directory.CreateDirectory(staging);
            await TarFile.ExtractToDirectoryAsync(gzip, staging, overwriteFiles: false, ct);
        }

        var path = Path.Combine(staging, "manifest.json");
        var manifest = JsonNode.Parse(await File.ReadAllTextAsync(path, ct))!.AsObject();
        change(manifest);
        await File.WriteAllTextAsync(path, manifest.ToJsonString(), ct);
        await using (var output = File.Create(to))
        await using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
        {
            await TarFile.CreateFromDirectoryAsync(staging, gzip, includeBaseDirectory: false, ct);
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
