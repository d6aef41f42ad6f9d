using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace PrivateNexus.Server.Common;

internal static class DbErrors
{
    private const int SqliteConstraint = 19;

    /// <summary>A unique index refused the write (on either provider).</summary>
    public static bool IsUniqueViolation(this DbUpdateException ex) => ex.InnerException switch
    {
        PostgresException pg => pg.SqlState == PostgresErrorCodes.UniqueViolation,
        SqliteException sqlite => sqlite.SqliteErrorCode == SqliteConstraint && sqlite.Message.Contains("UNIQUE", StringComparison.Ordinal),
        _ => false,
    };
}
