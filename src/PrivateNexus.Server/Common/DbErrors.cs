using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace PrivateNexus.Server.Common;

internal static class DbErrors
{
    /// <summary>
    /// Saves, turning a lost optimistic-concurrency race or a unique-index refusal into CONFLICT,
    /// so a retried or racing mutation never surfaces as INTERNAL.
    /// </summary>
    public static async Task SaveOrConflictAsync(this DbContext db, string what, string duplicateMessage, string duplicateField, CancellationToken cancellationToken)
    {
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            throw DomainException.Conflict($"The {what} was changed by someone else. Reload and try again.");
        }
        catch (DbUpdateException ex) when (ex.IsUniqueViolation())
        {
            throw DomainException.Conflict(duplicateMessage, duplicateField);
        }
    }

    private const int SqliteConstraint = 19;

    /// <summary>A unique index refused the write (on either provider).</summary>
    public static bool IsUniqueViolation(this DbUpdateException ex) => ex.InnerException switch
    {
        PostgresException pg => pg.SqlState == PostgresErrorCodes.UniqueViolation,
        SqliteException sqlite => sqlite.SqliteErrorCode == SqliteConstraint && sqlite.Message.Contains("UNIQUE", StringComparison.Ordinal),
        _ => false,
    };
}
