using System.Data.Common;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Npgsql;
using PrivateNexus.Server.Data;

namespace PrivateNexus.Server.Hosting;

/// <summary>
/// Runs before the server or any command: every option is bound and validated, the data directory
/// is writable and the database answers (and, for the server, is at a schema it can run on). A wrong setting stops the process with one line per
/// setting on standard error — naming the variable and what it must be — and exit code
/// <see cref="ExitCode"/>, never a stack trace.
/// </summary>
public static partial class ConfigurationCheck
{
    /// <summary>sysexits' EX_CONFIG; the systemd unit does not restart on it (a restart would not help).</summary>
    public const int ExitCode = 78;

    [GeneratedRegex("configuration value (?:'.*' )?at '(?<key>[^']+)' to type '(?<type>[^']+)'")]
    private static partial Regex ConversionFailure();

    public static async Task<bool> CheckConfigurationAsync(this WebApplication app, string[] args, CancellationToken cancellationToken = default)
    {
        if (args.Any(a => a is "--help" or "-h" or "-?"))
        {
            return true;
        }

        var problems = Options(app.Services);
        if (problems.Count == 0)
        {
            problems = Redis(app.Services);
        }

        if (problems.Count == 0)
        {
            problems = await StorageAsync(app.Services, cancellationToken);
        }

        foreach (var problem in problems)
        {
            await Console.Error.WriteLineAsync($"Configuration error: {problem} (see docs/configuration.md)");
        }

        if (problems.Count == 0 && !Commands.IsCommand(args) && await SchemaProblemAsync(app.Services, cancellationToken) is { } schema)
        {
            await Console.Error.WriteLineAsync($"Cannot start: {schema}");
            return false;
        }

        return problems.Count == 0;
    }

    /// <summary>The server (not a command: <c>migrate</c> and <c>restore</c> deal with the schema themselves) needs a database it can run on.</summary>
    private static async Task<string?> SchemaProblemAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var options = scope.ServiceProvider.GetRequiredService<IOptions<PnxOptions>>().Value;
        var willMigrate = options.MigrateOnStart ?? scope.ServiceProvider.GetRequiredService<DatabaseProvider>().Kind == DatabaseKind.Sqlite;
        return await scope.ServiceProvider.GetRequiredService<DatabaseMigrator>().WhyNotRunnableAsync(willMigrate, cancellationToken);
    }

    /// <summary>Binds and validates every options class registered with ValidateOnStart, as the host would at start.</summary>
    private static List<string> Options(IServiceProvider services)
    {
        try
        {
            services.GetService<IStartupValidator>()?.Validate();
            return [];
        }
        catch (OptionsValidationException ex)
        {
            return [.. ex.Failures.Select(Clean)];
        }
        catch (AggregateException ex) when (ex.InnerExceptions.All(e => e is OptionsValidationException))
        {
            return [.. ex.InnerExceptions.Cast<OptionsValidationException>().SelectMany(e => e.Failures).Select(Clean)];
        }
        catch (InvalidOperationException ex) when (ConversionFailure().Match(ex.Message) is { Success: true } match)
        {
            var key = match.Groups["key"].Value;
            var value = services.GetRequiredService<IConfiguration>()[key];
            return [SettingsValidation.Describe(key, Expected(match.Groups["type"].Value), value is null ? null : $"'{value}'")];
        }
    }

    /// <summary>
    /// Redis must be given in a form the client reads. Whether it answers is not checked: the
    /// server starts and serves without Redis, and connects when it comes.
    /// </summary>
    private static List<string> Redis(IServiceProvider services)
    {
        if (services.GetRequiredService<IOptions<PnxOptions>>().Value.RedisUrl is not { Length: > 0 } url)
        {
            return [];
        }

        string? reason;
        try
        {
            reason = Events.RedisConnection.ToConfiguration(url).EndPoints.Count == 0 ? "it names no host" : null;
        }
        catch (Exception ex) when (ex is UriFormatException or ArgumentException or FormatException or InvalidOperationException)
        {
            reason = ex.Message;
        }

        return reason is null ? [] : [SettingsValidation.Describe(
            $"{PnxOptions.Section}:RedisUrl", $"is neither redis://[:password@]host:6379[/db] nor a StackExchange.Redis configuration string ({reason})", null)];
    }

    /// <summary>The data directory must be writable, and PostgreSQL (when configured) must answer.</summary>
    private static async Task<List<string>> StorageAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var dataDir = services.GetRequiredService<IOptions<PnxOptions>>().Value.DataDir;
        try
        {
            Directory.CreateDirectory(dataDir);
            var probe = Path.Combine(dataDir, $".write-test-{Environment.ProcessId}");
            await File.WriteAllTextAsync(probe, "", cancellationToken);
            File.Delete(probe);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return [SettingsValidation.Describe(
                $"{PnxOptions.Section}:DataDir", $"cannot write to {Path.GetFullPath(dataDir)} ({ex.Message}); make it writable by the service user or choose another directory", null)];
        }

        DatabaseProvider provider;
        try
        {
            provider = services.GetRequiredService<DatabaseProvider>();
        }
        catch (Exception ex) when (ex is ArgumentException or UriFormatException or FormatException or KeyNotFoundException)
        {
            return [SettingsValidation.Describe(
                $"{PnxOptions.Section}:DatabaseUrl", $"is neither postgres://user:password@host:5432/database nor an Npgsql connection string ({ex.Message})", null)];
        }

        if (provider.Kind != DatabaseKind.Postgres)
        {
            return [];
        }

        var target = new NpgsqlConnectionStringBuilder(provider.ConnectionString);
        try
        {
            target.Timeout = Math.Min(target.Timeout, 10);
            await using var connection = new NpgsqlConnection(target.ConnectionString);
            await connection.OpenAsync(cancellationToken);
            return [];
        }
        catch (Exception ex) when (ex is DbException or TimeoutException or System.Net.Sockets.SocketException)
        {
            var reason = (ex.InnerException ?? ex).Message.ReplaceLineEndings(" ");
            return [SettingsValidation.Describe(
                $"{PnxOptions.Section}:DatabaseUrl",
                $"cannot connect to PostgreSQL at {target.Host}:{target.Port}, database '{target.Database}', user '{target.Username}': {reason}",
                null)];
        }
    }

    /// <summary>"DataAnnotation validation failed for …" from a validator other than ours, kept on one line.</summary>
    private static string Clean(string failure) => failure.ReplaceLineEndings(" ");

    private static string Expected(string type) => type switch
    {
        "System.TimeSpan" => "must be a duration such as 00:15:00 (hh:mm:ss) or 14.00:00:00 (days.hh:mm:ss)",
        "System.Int32" or "System.Int64" => "must be a whole number",
        "System.Boolean" => "must be true or false",
        "System.Uri" => "must be a URL such as https://nexus.example.com",
        _ => $"cannot be read as {type}",
    };
}
