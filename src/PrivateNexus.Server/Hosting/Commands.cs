using System.CommandLine;
using System.Text.Json;
using PrivateNexus.Server.Authorization;
using PrivateNexus.Server.Data;
using PrivateNexus.Server.Features.Automation;

namespace PrivateNexus.Server.Hosting;

/// <summary>
/// Operator commands run on the host: <c>migrate</c>, <c>create-client-app</c>, <c>backup</c>,
/// <c>restore</c> and <c>version</c>. Anything else on the command line starts the server.
/// docs/operations.md shows each in use.
/// </summary>
public static class Commands
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    private static readonly string[] Names = ["migrate", "create-client-app", "backup", "restore", "version"];

    public static bool IsCommand(string[] args) => args.Length > 0 && (Names.Contains(args[0]) || args[0] is "--help" or "-h");

    public static async Task<int> RunAsync(WebApplication app, string[] args)
    {
        var root = new RootCommand("PrivateNexus control plane. Without a command, runs the server.");

        var migrate = new Command("migrate", "Apply pending database migrations (forward only) and exit.");
        migrate.SetAction(Guarded(async (_, ct) =>
        {
            await using var scope = app.Services.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<DatabaseMigrator>().MigrateAsync(ct);
            return 0;
        }));
        root.Subcommands.Add(migrate);

        var name = new Option<string>("--name") { Description = "Display name of the application.", Required = true };
        var client = new Option<string?>("--client") { Description = "Slug of the client organisation to bind it to; leave out for a platform application." };
        var role = new Option<string>("--role") { Description = "Owner, Member or Viewer (bound); Admin or Operator (platform).", Required = true };
        var scopes = new Option<string[]>("--scope") { Description = "api:read and/or api:write (default: both).", AllowMultipleArgumentsPerToken = true };
        var createApp = new Command("create-client-app", "Register an OAuth client-credentials application and print its credentials once.")
        {
            name, client, role, scopes,
        };
        createApp.SetAction(Guarded(async (parse, ct) =>
        {
            await using var scope = app.Services.CreateAsyncScope();
            var services = scope.ServiceProvider;
            await services.GetRequiredService<DatabaseMigrator>().EnsureCurrentAsync(ct);
            services.GetRequiredService<CurrentActor>().Set(Actor.System with { Name = "cli" });
            Guid? organisation = null;
            if (parse.GetValue(client) is { } slug)
            {
                var db = services.GetRequiredService<PnxDbContext>();
                organisation = db.Clients.Where(c => c.Slug == slug).Select(c => (Guid?)c.Id).SingleOrDefault();
                if (organisation is null)
                {
                    await Console.Error.WriteLineAsync($"No client with slug '{slug}'.");
                    return 2;
                }
            }

            var created = await services.GetRequiredService<AutomationClientService>().CreateAsync(
                new CreateAutomationClientInput(parse.GetValue(name)!, organisation, parse.GetValue(role)!, parse.GetValue(scopes)), ct);
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                client_id = created.Client.ClientIdentifier,
                client_secret = created.ClientSecret,
                scopes = created.Client.Scopes,
                token_endpoint = "/connect/token",
            }));
            return 0;
        }));
        root.Subcommands.Add(createApp);

        var output = new Option<string>("--output", "-o") { Description = "Archive to write (.tar.gz); must not exist yet.", Required = true };
        var backup = new Command("backup", "Write a consistent backup archive (database, Data Protection keys, configuration) while the server runs.") { output };
        backup.SetAction(Guarded(async (parse, ct) =>
        {
            await using var scope = app.Services.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<DatabaseMigrator>().EnsureCurrentAsync(ct);
            var written = await ActivatorUtilities.CreateInstance<Operations.BackupWriter>(scope.ServiceProvider).WriteAsync(parse.GetValue(output)!, ct);
            Console.WriteLine(JsonSerializer.Serialize(new { archive = Path.GetFullPath(parse.GetValue(output)!), written.Provider, written.SchemaVersion, keys = written.KeyFiles }, Web));
            return 0;
        }));
        root.Subcommands.Add(backup);

        var input = new Option<string>("--input", "-i") { Description = "Backup archive written by the backup command.", Required = true };
        var restore = new Command("restore", "Restore a backup archive into an empty data directory and (PostgreSQL) an empty database, then migrate it forward.") { input };
        restore.SetAction(Guarded(async (parse, ct) =>
        {
            await using var scope = app.Services.CreateAsyncScope();
            var restored = await ActivatorUtilities.CreateInstance<Operations.BackupRestorer>(scope.ServiceProvider).RestoreAsync(parse.GetValue(input)!, ct);
            Console.WriteLine(JsonSerializer.Serialize(new { restored.Provider, restored.SchemaVersion, restored.CreatedAt, restored.Version, keys = restored.KeyFiles }, Web));
            return 0;
        }));
        root.Subcommands.Add(restore);

        var version = new Command("version", "Print the version, commit and database schema of this build.");
        version.SetAction(Guarded((_, _) =>
        {
            using var scope = app.Services.CreateScope();
            Console.WriteLine(JsonSerializer.Serialize(
                BuildInfo.Of(scope.ServiceProvider.GetRequiredService<PnxDbContext>(), scope.ServiceProvider.GetRequiredService<DatabaseProvider>()), Web));
            return Task.FromResult(0);
        }));
        root.Subcommands.Add(version);

        return await root.Parse(args).InvokeAsync();
    }

    /// <summary>An operator gets one line naming what is wrong, not a stack trace.</summary>
    private static Func<ParseResult, CancellationToken, Task<int>> Guarded(Func<ParseResult, CancellationToken, Task<int>> action) =>
        async (parse, ct) =>
        {
            try
            {
                return await action(parse, ct);
            }
            catch (Common.DomainException ex)
            {
                await Console.Error.WriteLineAsync($"{ex.Code}: {ex.Message}");
                return 2;
            }
            catch (Exception ex) when (ex is InvalidOperationException or IOException or UnauthorizedAccessException or System.Data.Common.DbException)
            {
                await Console.Error.WriteLineAsync(ex.Message.ReplaceLineEndings(" "));
                return 1;
            }
        };
}
