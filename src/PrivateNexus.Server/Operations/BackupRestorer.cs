using System.Formats.Tar;
using System.IO.Compression;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.Options;
using PrivateNexus.Server.Data;
using PrivateNexus.Server.Hosting;

namespace PrivateNexus.Server.Operations;

/// <summary>
/// The <c>restore</c> command: puts a backup archive into an empty data directory (SQLite, key ring)
/// and an empty database (PostgreSQL), then migrates it forward when the archive is older than this
/// build. It never overwrites: a target that holds data is refused, and so is an archive of the other
/// database kind or of a newer schema.
/// </summary>
public sealed class BackupRestorer(PnxDbContext db, DatabaseProvider provider, DatabaseMigrator migrator, IOptions<PnxOptions> options)
{
    public async Task<BackupManifest> RestoreAsync(string archive, CancellationToken cancellationToken)
    {
        archive = Path.GetFullPath(archive);
        if (!File.Exists(archive))
        {
            throw new InvalidOperationException($"No backup archive at {archive}.");
        }

        var staging = Path.Combine(Path.GetTempPath(), $"pnx-restore-{Guid.NewGuid():N}");
        Directory.CreateDirectory(staging);
        DataDirectory.OwnerOnly(staging);
        try
        {
            await using (var file = File.OpenRead(archive))
            await using (var gzip = new GZipStream(file, CompressionMode.Decompress))
            {
                await TarFile.ExtractToDirectoryAsync(gzip, staging, overwriteFiles: false, cancellationToken);
            }

            var manifest = await ReadManifestAsync(staging, cancellationToken);
            await EnsureTargetEmptyAsync(manifest, cancellationToken);
            RestoreKeys(staging, manifest);
            if (provider.Kind == DatabaseKind.Sqlite)
            {
                File.Copy(Path.Combine(staging, BackupManifest.SqliteFile), DataDirectory.Database(options.Value.DataDir));
            }
            else
            {
                // The schema as it was when the archive was made, then its rows, then forward to this build.
                await db.GetService<IMigrator>().MigrateAsync(manifest.SchemaVersion, cancellationToken);
                await PostgresExport.ImportAsync(provider.ConnectionString, Path.Combine(staging, BackupManifest.PostgresDir), manifest.Tables, cancellationToken);
            }

            await migrator.MigrateAsync(cancellationToken);
            return manifest;
        }
        finally
        {
            Directory.Delete(staging, recursive: true);
        }
    }

    private async Task<BackupManifest> ReadManifestAsync(string staging, CancellationToken cancellationToken)
    {
        var path = Path.Combine(staging, BackupManifest.FileName);
        var manifest = File.Exists(path)
            ? JsonSerializer.Deserialize<BackupManifest>(await File.ReadAllTextAsync(path, cancellationToken), BackupManifest.Json)
            : null;
        if (manifest is null || manifest.Format > BackupManifest.CurrentFormat)
        {
            throw new InvalidOperationException("This is not a PrivateNexus backup archive, or one of a newer format; restore it with the version that wrote it or a later one.");
        }

        var kind = provider.Kind.ToString().ToLowerInvariant();
        if (manifest.Provider != kind)
        {
            throw new InvalidOperationException(manifest.Provider == "sqlite"
                ? "This backup is of an embedded SQLite database: restore it with PNX_DATABASE_URL unset."
                : "This backup is of a PostgreSQL database: set PNX_DATABASE_URL to an empty PostgreSQL database to restore it.");
        }

        if (!db.Database.GetMigrations().Contains(manifest.SchemaVersion, StringComparer.Ordinal))
        {
            throw new InvalidOperationException(
                $"This backup was written by PrivateNexus {manifest.Version} with schema {manifest.SchemaVersion}, which this version ({BuildInfo.Assembly().Version}) does not know. Restore it with that version or a later one.");
        }

        return manifest;
    }

    private async Task EnsureTargetEmptyAsync(BackupManifest manifest, CancellationToken cancellationToken)
    {
        var keys = DataDirectory.Keys(options.Value.DataDir);
        if (!manifest.KeysInDatabase && Directory.Exists(keys) && Directory.EnumerateFileSystemEntries(keys).Any())
        {
            throw new InvalidOperationException($"{keys} holds a key ring already; restore into an empty data directory (PNX_DATA_DIR).");
        }

        if (provider.Kind == DatabaseKind.Sqlite)
        {
            var database = DataDirectory.Database(options.Value.DataDir);
            if (File.Exists(database) || File.Exists(database + "-wal"))
            {
                throw new InvalidOperationException($"{database} exists already; restore into an empty data directory (PNX_DATA_DIR).");
            }
        }
        else if (await PostgresExport.CountTablesAsync(provider.ConnectionString, cancellationToken) > 0)
        {
            throw new InvalidOperationException("The database named by PNX_DATABASE_URL holds tables already; restore into an empty database (CREATE DATABASE …).");
        }
    }

    private void RestoreKeys(string staging, BackupManifest manifest)
    {
        var source = Path.Combine(staging, BackupManifest.KeysDir);
        if (manifest.KeysInDatabase || !Directory.Exists(source))
        {
            return;
        }

        var target = Directory.CreateDirectory(DataDirectory.Keys(options.Value.DataDir)).FullName;
        DataDirectory.OwnerOnly(target);
        foreach (var key in Directory.EnumerateFiles(source, "*.xml"))
        {
            File.Copy(key, Path.Combine(target, Path.GetFileName(key)));
        }
    }
}
