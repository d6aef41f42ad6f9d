using System.Text.Json;

namespace PrivateNexus.Server.Operations;

/// <summary>
/// <c>manifest.json</c> at the root of a backup archive: what it holds and what wrote it. Restore
/// reads it first to refuse what it cannot restore (another database kind, a newer schema).
/// </summary>
public sealed record BackupManifest(
    int Format,
    DateTimeOffset CreatedAt,
    string Version,
    string Commit,
    string Provider,
    string SchemaVersion,
    bool KeysInDatabase,
    int KeyFiles,
    IReadOnlyList<BackupTable> Tables)
{
    public const int CurrentFormat = 1;
    public const string FileName = "manifest.json";
    public const string SqliteFile = "database/privatenexus.db";
    public const string PostgresDir = "database/postgres";
    public const string KeysDir = "keys";
    public const string ConfigurationFile = "configuration.json";

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };
}

/// <summary>One table of a PostgreSQL export, in restore order (principals before dependents), with its row count.</summary>
public sealed record BackupTable(string Name, string File, long Rows);
