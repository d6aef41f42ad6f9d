using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace PrivateNexus.Server.Data;

/// <summary>
/// Reads a <see cref="ChangeStamp"/>: one primary-key read per call, as plain ADO.NET (a fraction of
/// what EF's query pipeline costs for a single number). On PostgreSQL it borrows the caller's context
/// connection from the pool. On SQLite — in process, where opening a pooled connection and preparing
/// the statement cost more than the read itself — it keeps one connection open with the statement
/// prepared and takes turns on it (a read is microseconds).
/// </summary>
/// <remarks>
/// Either way the stamp comes from the database as committed, so it is never older than what a
/// query started after it reads. The SQLite connection uses the server's own connection string (the
/// same file and shared cache); it holds no lock between reads, and is dropped and reopened after a
/// failure.
/// </remarks>
public sealed class ChangeStampReader(DatabaseProvider database) : IDisposable
{
    private readonly Lock _gate = new();
    private SqliteConnection? _connection;
    private SqliteCommand? _command;
    private SqliteParameter? _name;

    public async Task<long?> ReadAsync(PnxDbContext db, string name, CancellationToken cancellationToken)
    {
        if (database.Kind == DatabaseKind.Sqlite)
        {
            return ReadSqlite(name);
        }

        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var command = db.Database.GetDbConnection().CreateCommand();
            command.CommandText = Query("@name");
            var parameter = command.CreateParameter();
            parameter.ParameterName = "name";
            parameter.Value = name;
            command.Parameters.Add(parameter);
            return ToStamp(await command.ExecuteScalarAsync(cancellationToken));
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            Drop();
        }
    }

    private long? ReadSqlite(string name)
    {
        lock (_gate)
        {
            try
            {
                if (_command is null)
                {
                    _connection = new SqliteConnection(database.ConnectionString);
                    _connection.Open();
                    _command = _connection.CreateCommand();
                    _command.CommandText = Query("$name");
                    _name = _command.Parameters.Add("$name", SqliteType.Text);
                    _command.Prepare();
                }

                _name!.Value = name;
                return ToStamp(_command.ExecuteScalar());
            }
            catch
            {
                Drop();
                throw;
            }
        }
    }

    private void Drop()
    {
        _command?.Dispose();
        _connection?.Dispose();
        (_command, _connection, _name) = (null, null, null);
    }

    private static string Query(string parameter) => $"SELECT \"Value\" FROM \"ChangeStamps\" WHERE \"Name\" = {parameter}";

    private static long? ToStamp(object? value) =>
        value is null or DBNull ? null : Convert.ToInt64(value, CultureInfo.InvariantCulture);
}
