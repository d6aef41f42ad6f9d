using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Options;
using PrivateNexus.Server.Hosting;

namespace PrivateNexus.Server.Data;

public static class DataServiceCollectionExtensions
{
    /// <summary>
    /// The database: SQLite by default, PostgreSQL when configured. Code depends on
    /// <see cref="PnxDbContext"/> only. The choice is made from options when first needed, so every
    /// configuration source (including test hosts) is seen. EF interceptors registered in DI
    /// (diagnostics, tracing) apply to both providers.
    /// </summary>
    public static IServiceCollection AddPnxData(this IServiceCollection services)
    {
        services.AddSingleton(sp => DatabaseProvider.From(
            sp.GetRequiredService<IConfiguration>(), sp.GetRequiredService<IOptions<PnxOptions>>().Value.DataDir));

        // Pooled: a context (and its options) is reused across requests instead of built for each one.
        services.AddDbContextPool<PostgresPnxDbContext>((sp, o) => o
            .UseNpgsql(sp.GetRequiredService<DatabaseProvider>().ConnectionString, npgsql => npgsql.MigrationsHistoryTable("__ef_migrations"))
            .AddInterceptors(sp.GetServices<IInterceptor>())
            .UseOpenIddict<Guid>());
        services.AddDbContextPool<SqlitePnxDbContext>((sp, o) => o
            .UseSqlite(sp.GetRequiredService<DatabaseProvider>().ConnectionString, sqlite => sqlite.MigrationsHistoryTable("__ef_migrations"))
            .AddInterceptors(sp.GetServices<IInterceptor>())
            .UseOpenIddict<Guid>());
        services.AddScoped<PnxDbContext>(sp => sp.GetRequiredService<DatabaseProvider>().Kind == DatabaseKind.Postgres
            ? sp.GetRequiredService<PostgresPnxDbContext>()
            : sp.GetRequiredService<SqlitePnxDbContext>());

        services.AddScoped<DatabaseMigrator>();
        services.AddSingleton<ChangeStampReader>();
        return services;
    }
}
