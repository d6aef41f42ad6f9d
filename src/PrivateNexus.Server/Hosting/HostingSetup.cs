using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;
using Serilog;
using Serilog.Events;

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
        builder.Services.AddOptions<PnxOptions>()
            .Bind(builder.Configuration.GetSection(PnxOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();

        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"]))
        {
            builder.WebHost.UseUrls($"http://localhost:{DefaultPort}");
        }

        // preserveStaticLogger: each host logs through its own logger (and its own data dir), not a process-wide one.
        builder.Services.AddSerilog((services, log) => log
            .ReadFrom.Configuration(builder.Configuration)
            .MinimumLevel.Information()
            .MinimumLevel.Override("Microsoft.AspNetCore", LogEventLevel.Warning)
            .MinimumLevel.Override("Microsoft.EntityFrameworkCore", LogEventLevel.Warning)
            .MinimumLevel.Override("OpenIddict", LogEventLevel.Warning)
            .Enrich.FromLogContext()
            .WriteTo.Console(outputTemplate: ConsoleTemplate)
            .WriteTo.File(
                Path.Combine(services.GetRequiredService<IOptions<PnxOptions>>().Value.DataDir, "logs", "privatenexus-.log"),
                outputTemplate: FileTemplate,
                rollingInterval: RollingInterval.Day,
                retainedFileCountLimit: 14),
            preserveStaticLogger: true);

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

    /// <summary>Request logging stays below Information for successful requests so it costs nothing by default.</summary>
    public static WebApplication UsePnxRequestLogging(this WebApplication app)
    {
        app.UseSerilogRequestLogging(o => o.GetLevel = (context, _, error) =>
            error is not null || context.Response.StatusCode >= 500 ? LogEventLevel.Error
            : context.Response.StatusCode >= 400 ? LogEventLevel.Information
            : LogEventLevel.Debug);
        return app;
    }
}
