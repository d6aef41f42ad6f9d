using Npgsql;

namespace PrivateNexus.Server.Data;

public enum DatabaseKind
{
    Sqlite,
    Postgres,
}

/// <summary>Which database the server uses, decided once from configuration.</summary>
public sealed record DatabaseProvider(DatabaseKind Kind, string ConnectionString)
{
    public static DatabaseProvider From(IConfiguration configuration, string dataDir)
    {
        var url = configuration["Pnx:DatabaseUrl"];
        if (string.IsNullOrWhiteSpace(url))
        {
            url = configuration.GetConnectionString("Postgres");
        }

        if (!string.IsNullOrWhiteSpace(url))
        {
            return new(DatabaseKind.Postgres, ToNpgsql(url));
        }

        Directory.CreateDirectory(dataDir);
        var file = Path.GetFullPath(Path.Combine(dataDir, "privatenexus.db"));
        return new(DatabaseKind.Sqlite, $"Data Source={file};Cache=Shared;Pooling=True");
    }

    /// <summary>Accepts <c>postgres://user:pass@host:port/db?sslmode=require</c> or an Npgsql key=value string.</summary>
    internal static string ToNpgsql(string value)
    {
        if (!value.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase)
            && !value.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase))
        {
            return new NpgsqlConnectionStringBuilder(value).ConnectionString;
        }

        var uri = new Uri(value);
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host,
            Port = uri.IsDefaultPort || uri.Port <= 0 ? 5432 : uri.Port,
            Database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/')),
        };
        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            var parts = uri.UserInfo.Split(':', 2);
            builder.Username = Uri.UnescapeDataString(parts[0]);
            if (parts.Length == 2)
            {
                builder.Password = Uri.UnescapeDataString(parts[1]);
            }
        }

        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = pair.Split('=', 2);
            builder[Uri.UnescapeDataString(kv[0])] = kv.Length == 2 ? Uri.UnescapeDataString(kv[1]) : "true";
        }

        return builder.ConnectionString;
    }
}
