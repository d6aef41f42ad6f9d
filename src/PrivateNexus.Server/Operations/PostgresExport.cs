using System.Data;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using PrivateNexus.Server.Data;

namespace PrivateNexus.Server.Operations;

/// <summary>
/// PostgreSQL backup done in-process rather than by pg_dump: pg_dump is absent from the container
/// image and refuses a server newer than itself, while COPY's text format (what pg_dump writes for
/// data too) round-trips every column type exactly. Every table of the model is copied out inside one
/// read-only REPEATABLE READ transaction, so the archive is one consistent snapshot while the server
/// keeps writing. The schema itself is not exported: restore recreates it with the migrations, at the
/// archive's schema version, then copies the rows in.
/// </summary>
internal static class PostgresExport
{
    public static async Task<List<BackupTable>> ExportAsync(PnxDbContext db, string connectionString, string directory, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var snapshot = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
        await using (var readOnly = new NpgsqlCommand("SET TRANSACTION READ ONLY", connection, snapshot))
        {
            await readOnly.ExecuteNonQueryAsync(cancellationToken);
        }

        var tables = new List<BackupTable>();
        foreach (var (table, index) in TablesInRestoreOrder(db).Select((t, i) => (t, i)))
        {
            var file = $"{index:D3}-{table}.copy";
            long rows = 0;
            await using (var output = new StreamWriter(Path.Combine(directory, file)))
            using (var reader = await connection.BeginTextExportAsync($"COPY {Quote(table)} TO STDOUT", cancellationToken))
            {
                while (await reader.ReadLineAsync(cancellationToken) is { } line)
                {
                    await output.WriteAsync(line.AsMemory(), cancellationToken);
                    await output.WriteAsync('\n');
                    rows++;
                }
            }

            tables.Add(new BackupTable(table, file, rows));
        }

        await snapshot.CommitAsync(cancellationToken);
        return tables;
    }

    /// <summary>Copies the rows in, principals first, then moves identity sequences past the restored ids.</summary>
    public static async Task ImportAsync(string connectionString, string directory, IReadOnlyList<BackupTable> tables, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        foreach (var table in tables)
        {
            // The migrations just made this database, and seed some tables (e.g. ChangeStamps): the
            // archive's rows replace those seeds. Dependents are still empty, principals go first.
            await using (var clear = new NpgsqlCommand($"DELETE FROM {Quote(table.Name)}", connection, transaction))
            {
                await clear.ExecuteNonQueryAsync(cancellationToken);
            }

            await using (var writer = await connection.BeginTextImportAsync($"COPY {Quote(table.Name)} FROM STDIN", cancellationToken))
            using (var input = new StreamReader(Path.Combine(directory, table.File)))
            {
                var buffer = new char[64 * 1024];
                int read;
                while ((read = await input.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    await writer.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                }
            }
        }

        var identities = new List<(string Table, string Column)>();
        await using (var find = new NpgsqlCommand(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema() AND (is_identity = 'YES' OR column_default LIKE 'nextval(%')",
            connection,
            transaction))
        await using (var reader = await find.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                identities.Add((reader.GetString(0), reader.GetString(1)));
            }
        }

        foreach (var (table, column) in identities)
        {
            var sql = $"SELECT setval(pg_get_serial_sequence(@table, @column), COALESCE(MAX({Quote(column)}), 1), MAX({Quote(column)}) IS NOT NULL) FROM {Quote(table)}";
            await using var move = new NpgsqlCommand(sql, connection, transaction);
            move.Parameters.AddWithValue("table", Quote(table));
            move.Parameters.AddWithValue("column", column);
            await move.ExecuteScalarAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>Does the database hold any table yet? Restore only goes into an empty one.</summary>
    public static async Task<int> CountTablesAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var count = new NpgsqlCommand(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()", connection);
        return Convert.ToInt32(await count.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The model's tables, each after the tables its foreign keys point to (ties by name, so the order is stable).</summary>
    internal static List<string> TablesInRestoreOrder(PnxDbContext db)
    {
        var dependsOn = new SortedDictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var entity in db.Model.GetEntityTypes())
        {
            if (entity.GetTableName() is not { } table)
            {
                continue;
            }

            var principals = dependsOn.TryGetValue(table, out var known) ? known : dependsOn[table] = [];
            foreach (var key in entity.GetForeignKeys())
            {
                if (key.PrincipalEntityType.GetTableName() is { } principal && principal != table)
                {
                    principals.Add(principal);
                }
            }
        }

        var ordered = new List<string>();
        while (dependsOn.Count > 0)
        {
            var ready = dependsOn.First(t => t.Value.All(p => !dependsOn.ContainsKey(p))).Key;
            ordered.Add(ready);
            dependsOn.Remove(ready);
        }

        return ordered;
    }

    private static string Quote(string identifier) => $"\"{identifier.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";
}
