using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace PrivateNexus.Server.Data;

/// <summary>Applies migrations forward only, and refuses a database that is newer than this build.</summary>
public sealed class DatabaseMigrator(PnxDbContext db, ILogger<DatabaseMigrator> logger)
{
    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await EnsureNotNewerAsync(cancellationToken);
        var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
        if (pending.Count == 0)
        {
            logger.LogInformation("Database schema is up to date");
            return;
        }

        logger.LogInformation("Applying {Count} migration(s): {Migrations}", pending.Count, string.Join(", ", pending));
        await db.Database.MigrateAsync(cancellationToken);
    }

    /// <summary>Throws when the database has migrations this build does not know, or lacks ones it needs.</summary>
    public async Task EnsureCurrentAsync(CancellationToken cancellationToken)
    {
        if (await WhyNotRunnableAsync(willMigrate: false, cancellationToken) is { } problem)
        {
            throw new InvalidOperationException(problem);
        }
    }

    /// <summary>
    /// Why a server could not run on this database, or null: it was migrated by a newer build, or
    /// (unless it is about to be migrated) its schema is behind this one.
    /// </summary>
    public async Task<string?> WhyNotRunnableAsync(bool willMigrate, CancellationToken cancellationToken)
    {
        try
        {
            await EnsureNotNewerAsync(cancellationToken);
        }
        catch (InvalidOperationException ex)
        {
            return ex.Message;
        }

        if (willMigrate)
        {
            return null;
        }

        var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
        return pending.Count > 0
            ? $"The database schema is behind this server ({pending.Count} migration(s) pending). Run the 'migrate' command first."
            : null;
    }

    private async Task EnsureNotNewerAsync(CancellationToken cancellationToken)
    {
        // Asking for applied migrations of a fresh database makes EF log a failed query; look first.
        if (!await db.GetService<IHistoryRepository>().ExistsAsync(cancellationToken))
        {
            return;
        }

        var known = db.Database.GetMigrations().ToHashSet(StringComparer.Ordinal);
        var applied = await db.Database.GetAppliedMigrationsAsync(cancellationToken);
        var unknown = applied.Where(m => !known.Contains(m)).ToList();
        if (unknown.Count > 0)
        {
            throw new InvalidOperationException(
                $"The database was migrated by a newer PrivateNexus ({string.Join(", ", unknown)}). Upgrade the server; downgrades are not supported.");
        }
    }
}
