using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using PrivateNexus.Server.Common;
using PrivateNexus.Server.Data;
using PrivateNexus.Server.Identity;

namespace PrivateNexus.Server.Hosting;

/// <summary>What must be true before the server takes requests: schema, keys, OAuth clients, first admin.</summary>
public static class StartupTasks
{
    public static async Task InitializeAsync(this WebApplication app, CancellationToken cancellationToken = default)
    {
        // Build the schema now: a mistake in it should stop the start, not fail the first request.
        app.Services.GetRequiredService<global::GraphQL.Types.ISchema>().Initialize();

        await using var scope = app.Services.CreateAsyncScope();
        var services = scope.ServiceProvider;
        var options = services.GetRequiredService<IOptions<PnxOptions>>().Value;
        var provider = services.GetRequiredService<DatabaseProvider>();
        var migrator = services.GetRequiredService<DatabaseMigrator>();

        // Embedded SQLite migrates itself; PostgreSQL is migrated by the explicit `migrate` command
        // unless PNX_MIGRATE_ON_START says otherwise.
        if (options.MigrateOnStart ?? provider.Kind == DatabaseKind.Sqlite)
        {
            await migrator.MigrateAsync(cancellationToken);
        }
        else
        {
            await migrator.EnsureCurrentAsync(cancellationToken);
        }

        await services.GetRequiredService<KeyMaterial>().LoadOrCreateAsync(
            services.GetRequiredService<PnxDbContext>(), services.GetRequiredService<SecretProtector>(), cancellationToken);

        var applications = services.GetRequiredService<IOpenIddictApplicationManager>();
        foreach (var client in services.GetRequiredService<IOptions<List<PublicClientOptions>>>().Value)
        {
            await OAuthClients.EnsurePublicClientAsync(applications, client, cancellationToken);
        }

        await services.GetRequiredService<Bootstrap>().RunAsync(options.PublicUrl, cancellationToken);
        await services.GetRequiredService<Engine.LocalNodeRegistration>().RunAsync(cancellationToken);
    }
}
