using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;
using Serilog;
using Serilog.Events;
using Serilog.Formatting.Compact;

namespace PrivateNexus.Server.Hosting;

public static class HostingSetup
{
    public const int DefaultPort = 8080;
    private const string ConsoleTemplate = "[{Timestamp:HH:mm:ss} {Level:u3}] {SourceContext}: {Message:lj}{NewLine}{Exception}";
    private const string FileTemplate = "{Timestamp:o} [{Level:u3}] {SourceContext}: {Message:lj}{NewLine}{Exception}";

    /// <summary>
    /// The working directory when it holds the web assets (<c>dotnet run</c>), otherwise the
    /// directory of the published binaries, so the server can be started from anywhere.
    /// </summary>
    public static string? ContentRoot() =>
        !Directory.Exists(Path.Combine(Directory.GetCurrentDirectory(), "wwwroot"))
        && Directory.Exists(Path.Combine(AppContext.BaseDirectory, "wwwroot"))
            ? AppContext.BaseDirectory
            : null;

    /// <summary>Options (validated at start), logging, Data Protection and the default listen address.</summary>
    public static WebApplicationBuilder AddPnxHosting(this WebApplicationBuilder builder)
    {
        builder.Configuration.AddPnxEnvironmentVariables();
        builder.Services.AddValidatedSettings<PnxOptions>(PnxOptions.Section);

        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"]))
        {
            builder.WebHost.UseUrls($"http://localhost:{DefaultPort}");
        }

        // preserveStaticLogger: each host logs through its own logger (and its own data dir), not a process-wide one.
        builder.Services.AddSerilog((services, log) => Logging(services.GetRequiredService<IConfiguration>(), log), preserveStaticLogger: true);
        builder.AddPnxTelemetry();

        builder.Services.AddDataProtection().SetApplicationName("PrivateNexus");
        builder.Services.AddSingleton<IConfigureOptions<KeyManagementOptions>, KeyRingLocation>();

        builder.Services.Configure<ForwardedHeadersOptions>(o =>
        {
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost;
            o.KnownIPNetworks.Clear();
            o.KnownProxies.Clear();
            var proxies = builder.Configuration.GetSection($"{PnxOptions.Section}:TrustedProxies").Get<string[]>() ?? [];
            foreach (var proxy in proxies)
            {
                o.KnownProxies.Add(System.Net.IPAddress.Parse(proxy));
            }

            // With both lists empty the middleware believes every caller's X-Forwarded-For (it checks
            // only when a list has entries): without a trusted proxy, no forwarded header is read at all.
            if (proxies.Length == 0)
            {
                o.ForwardedHeaders = ForwardedHeaders.None;
            }
        });
        return builder;
    }

    /// <summary>
    /// Console and daily files in <c>{DataDir}/logs</c>, as text or as JSON (<c>PNX_LOG_FORMAT=json</c>:
    /// one compact JSON object per line, with the trace id as <c>@tr</c> and the request's
    /// <c>CorrelationId</c>). The data dir and format are read from the configuration, not the
    /// options: the logger is built with the host, before ConfigurationCheck can report a wrong
    /// setting in one line. Commands log to standard error, so their standard output is only their result.
    /// </summary>
    private static void Logging(IConfiguration configuration, LoggerConfiguration log)
    {
        log.ReadFrom.Configuration(configuration)
            .MinimumLevel.Information()
            .MinimumLevel.Override("Microsoft.AspNetCore", LogEventLevel.Warning)
            .MinimumLevel.Override("Microsoft.EntityFrameworkCore", LogEventLevel.Warning)
            .MinimumLevel.Override("OpenIddict", LogEventLevel.Warning)
            .Enrich.FromLogContext();
        var file = Path.Combine(DataDir(configuration), "logs", "privatenexus-.log");
        LogEventLevel? toStandardError = Commands.IsCommand(Environment.GetCommandLineArgs().Skip(1).ToArray()) ? LogEventLevel.Verbose : null;
        if (string.Equals(configuration[$"{PnxOptions.Section}:LogFormat"], "json", StringComparison.OrdinalIgnoreCase))
        {
            log.WriteTo.Console(new RenderedCompactJsonFormatter(), standardErrorFromLevel: toStandardError)
                .WriteTo.File(new RenderedCompactJsonFormatter(), file, rollingInterval: RollingInterval.Day, retainedFileCountLimit: 14);
        }
        else
        {
            log.WriteTo.Console(outputTemplate: ConsoleTemplate, standardErrorFromLevel: toStandardError)
                .WriteTo.File(file, outputTemplate: FileTemplate, rollingInterval: RollingInterval.Day, retainedFileCountLimit: 14);
        }
    }

    private static string DataDir(IConfiguration configuration) =>
        configuration[$"{PnxOptions.Section}:DataDir"] is { Length: > 0 } configured ? configured : new PnxOptions().DataDir;

    /// <summary>Request logging stays below Information for successful requests so it costs nothing by default.</summary>
    public static WebApplication UsePnxRequestLogging(this WebApplication app)
    {
        // The correlation id of a request is its trace id (W3C traceparent: continued from the caller
        // when it sends one): on every log event of the request, in its audit events, and returned in
        // X-Correlation-Id so a user's report can be matched to the logs.
        app.Use(async (context, next) =>
        {
            var id = System.Diagnostics.Activity.Current?.TraceId.ToString() ?? context.TraceIdentifier;
            context.Response.Headers["X-Correlation-Id"] = id;
            using (Serilog.Context.LogContext.PushProperty("CorrelationId", id))
            {
                await next(context);
            }
        });
        app.UseSerilogRequestLogging(o =>
        {
            // This host's logger: the static Log.Logger (the default here) is preserved, so silent.
            o.Logger = app.Services.GetService<Serilog.ILogger>();
            o.GetLevel = (context, _, error) =>
                error is not null || context.Response.StatusCode >= 500 ? LogEventLevel.Error
                : context.Response.StatusCode >= 400 ? LogEventLevel.Information
                : LogEventLevel.Debug;
        });
        return app;
    }
}
