using Microsoft.Extensions.Diagnostics.HealthChecks;
using PrivateNexus.Server.Data;

namespace PrivateNexus.Server.Hosting;

public static class HealthEndpoints
{
    private static readonly System.Text.Json.JsonSerializerOptions VersionJson = new(System.Text.Json.JsonSerializerDefaults.Web);

    public static IServiceCollection AddPnxHealth(this IServiceCollection services)
    {
        services.AddHealthChecks()
            .AddCheck("alive", () => HealthCheckResult.Healthy(), tags: ["live"])
            .AddDbContextCheck<PnxDbContext>("database", tags: ["ready"]);
        return services;
    }

    /// <summary>
    /// <c>/healthz</c>: the process answers. <c>/readyz</c>: and its database does too.
    /// <c>/version</c>: version, commit and schema, for operators and upgrade scripts (anonymous, like the probes).
    /// </summary>
    public static WebApplication MapPnxHealth(this WebApplication app)
    {
        app.MapHealthChecks("/healthz", new() { Predicate = c => c.Tags.Contains("live") });
        app.MapHealthChecks("/readyz", new() { Predicate = c => c.Tags.Contains("ready") });
        app.MapGet("/version", (PnxDbContext db, DatabaseProvider provider) => Results.Json(BuildInfo.Of(db, provider), VersionJson));
        return app;
    }
}
