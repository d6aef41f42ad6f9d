using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace PrivateNexus.Server.Data;

internal static class DesignTime
{
    public static DbContextOptions<T> Options<T>(DbContextOptionsBuilder<T> builder)
        where T : DbContext
    {
        builder.UseOpenIddict<Guid>();
        return builder.Options;
    }
}

// Used only by `dotnet ef migrations add`; see docs/architecture.md (migrations per provider).
internal sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqlitePnxDbContext>
{
    public SqlitePnxDbContext CreateDbContext(string[] args) =>
        new(DesignTime.Options(new DbContextOptionsBuilder<SqlitePnxDbContext>()
            .UseSqlite("Data Source=design.db", o => o.MigrationsHistoryTable("__ef_migrations"))));
}

internal sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresPnxDbContext>
{
    public PostgresPnxDbContext CreateDbContext(string[] args) =>
        new(DesignTime.Options(new DbContextOptionsBuilder<PostgresPnxDbContext>()
            .UseNpgsql("Host=localhost;Database=design", o => o.MigrationsHistoryTable("__ef_migrations"))));
}
