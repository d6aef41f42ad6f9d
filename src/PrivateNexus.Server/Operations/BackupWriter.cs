using System.Formats.Tar;
using System.IO.Compression;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Npgsql;
using PrivateNexus.Server.Data;
using PrivateNexus.Server.Hosting;

namespace PrivateNexus.Server.Operations;

/// <summary>
/// The <c>backup</c> command: one <c>.tar.gz</c> with the database (a consistent snapshot taken
/// while the server runs), the Data Protection key ring and the non-secret configuration. Written
/// beside its destination and renamed at the end, so a destination file is always a whole archive.
/// </summary>
public sealed class BackupWriter(PnxDbContext db, DatabaseProvider provider, IOptions<PnxOptions> options, IConfiguration configuration, TimeProvider time)
{
    public async Task<BackupManifest> WriteAsync(string destination, CancellationToken cancellationToken)
    {
        destination = Path.GetFullPath(destination);
        if (File.Exists(destination))
        {
            throw new InvalidOperationException($"{destination} exists already; choose a new file name for the backup.");
        }

        var staging = destination + ".partial.d";
        var partial = destination + ".partial";
        Directory.CreateDirectory(staging);
        DataDirectory.OwnerOnly(staging);
        try
        {
            var manifest = await StageAsync(staging, cancellationToken);
            await File.WriteAllTextAsync(Path.Combine(staging, BackupManifest.FileName), JsonSerializer.Serialize(manifest, BackupManifest.Json), cancellationToken);

            await using (var file = new FileStream(partial, FileMode.CreateNew, FileAccess.Write))
            {
                DataDirectory.OwnerOnly(partial);
                await using var gzip = new GZipStream(file, CompressionLevel.Optimal);
                await TarFile.CreateFromDirectoryAsync(staging, gzip, includeBaseDirectory: false, cancellationToken);
            }

            File.Move(partial, destination);
            return manifest;
        }
        finally
        {
            Directory.Delete(staging, recursive: true);
            File.Delete(partial);
        }
    }

    private async Task<BackupManifest> StageAsync(string staging, CancellationToken cancellationToken)
    {
        var build = BuildInfo.Of(db, provider);
        IReadOnlyList<BackupTable> tables = [];
        Directory.CreateDirectory(Path.Combine(staging, "database"));
        if (provider.Kind == DatabaseKind.Sqlite)
        {
            await SqliteSnapshotAsync(Path.Combine(staging, BackupManifest.SqliteFile), cancellationToken);
        }
        else
        {
            tables = await PostgresExport.ExportAsync(db, provider.ConnectionString, Path.Combine(staging, BackupManifest.PostgresDir), cancellationToken);
        }

        var keyFiles = 0;
        var keys = DataDirectory.Keys(options.Value.DataDir);
        if (!options.Value.KeysInDatabase && Directory.Exists(keys))
        {
            var target = Directory.CreateDirectory(Path.Combine(staging, BackupManifest.KeysDir)).FullName;
            foreach (var key in Directory.EnumerateFiles(keys, "*.xml"))
            {
                File.Copy(key, Path.Combine(target, Path.GetFileName(key)));
                keyFiles++;
            }
        }

        await File.WriteAllTextAsync(
            Path.Combine(staging, BackupManifest.ConfigurationFile), JsonSerializer.Serialize(NonSecretConfiguration(), BackupManifest.Json), cancellationToken);
        return new BackupManifest(
            BackupManifest.CurrentFormat, time.GetUtcNow(), build.Version, build.Commit, build.Provider, build.SchemaVersion, options.Value.KeysInDatabase, keyFiles, tables);
    }

    /// <summary>VACUUM INTO: SQLite's own consistent copy of a live database, compacted, without stopping writers for long.</summary>
    private async Task SqliteSnapshotAsync(string target, CancellationToken cancellationToken)
    {
        await using var connection = new SqliteConnection(provider.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var vacuum = connection.CreateCommand();
        vacuum.CommandText = "VACUUM INTO $target";
        vacuum.Parameters.AddWithValue("$target", target);
        await vacuum.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The <c>Pnx</c> settings in force, for the record: passwords and secrets left out, the database password removed.</summary>
    private SortedDictionary<string, string> NonSecretConfiguration()
    {
        var settings = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in configuration.GetSection(PnxOptions.Section).AsEnumerable())
        {
            if (value is null || key.Contains("Password", StringComparison.OrdinalIgnoreCase) || key.Contains("Secret", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            settings[key] = key.Equals($"{PnxOptions.Section}:DatabaseUrl", StringComparison.OrdinalIgnoreCase) ? WithoutPassword(value) : value;
        }

        return settings;
    }

    private static string WithoutPassword(string url)
    {
        try
        {
            return new NpgsqlConnectionStringBuilder(DatabaseProvider.ToNpgsql(url)) { Password = null }.ConnectionString;
        }
        catch (ArgumentException)
        {
            return "(unreadable)";
        }
    }
}
