using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace PrivateNexus.Server.Data;

/// <summary>SQLite flavour: its own migrations under Data/Migrations/Sqlite.</summary>
public sealed class SqlitePnxDbContext(DbContextOptions<SqlitePnxDbContext> options) : PnxDbContext(options)
{
    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // SQLite cannot order or compare DateTimeOffset stored as text; store UTC ticks instead.
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<DateTimeOffsetToBinaryConverter>();
        configurationBuilder.Properties<DateTimeOffset?>().HaveConversion<DateTimeOffsetToBinaryConverter>();
    }

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);

        // These tables carry AFTER triggers that bump a change stamp (see ChangeStamp); SQLite's
        // RETURNING clause cannot be used on such tables, so EF saves them the older way.
        builder.Entity<Features.Services.Service>().ToTable(t => t.UseSqlReturningClause(false));
        builder.Entity<Features.Clients.Client>().ToTable(t => t.UseSqlReturningClause(false));
    }
}

/// <summary>PostgreSQL flavour: its own migrations under Data/Migrations/Postgres.</summary>
public sealed class PostgresPnxDbContext(DbContextOptions<PostgresPnxDbContext> options) : PnxDbContext(options);
