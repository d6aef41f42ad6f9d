using GraphQL.DI;
using Microsoft.Extensions.Options;
using PrivateNexus.Server.Hosting;
using Prometheus;

namespace PrivateNexus.Server.Features.Metrics;

public static class MetricsSetup
{
    private const string Path = "/metrics";

    /// <summary>The Prometheus export: the server's own metrics and the mirror's per-container numbers, on the host's own registry.</summary>
    public static IServiceCollection AddPnxMetrics(this IServiceCollection services)
    {
        services.AddOptions<MetricsOptions>().BindConfiguration($"{PnxOptions.Section}:Metrics").ValidateDataAnnotations().ValidateOnStart();

        // Not prometheus-net's static default registry: every host (several per test process) has its own.
        services.AddSingleton(_ =>
        {
            var registry = Prometheus.Metrics.NewCustomRegistry();
            DotNetStats.Register(registry);
            return registry;
        });
        services.AddSingleton<MetricsAccess>();
        services.AddSingleton<ServerMetrics>();
        services.AddSingleton<ContainerMetrics>();
        services.AddSingleton<NameInfoMetrics>();
        services.AddSingleton<IConfigureExecution, GraphQLOperationMetrics>();
        return services;
    }

    /// <summary>
    /// Reading metrics back from Prometheus (<c>Service.metrics</c>, <c>Client.usage</c>). Short
    /// deadlines: a slow Prometheus costs a metrics panel an error, never a stuck request.
    /// </summary>
    public static IServiceCollection AddServiceMetrics(this IServiceCollection services)
    {
        services.AddMemoryCache();
        services.AddScoped<ServiceMetricsService>();
        services.AddHttpClient<PrometheusClient>(PrometheusClient.HttpClientName)
            .AddStandardResilienceHandler(o =>
            {
                o.TotalRequestTimeout.Timeout = TimeSpan.FromSeconds(5);
                o.AttemptTimeout.Timeout = TimeSpan.FromSeconds(2);
                o.Retry.MaxRetryAttempts = 2;
                o.Retry.Delay = TimeSpan.FromMilliseconds(200);
                o.CircuitBreaker.SamplingDuration = TimeSpan.FromSeconds(10);
            });
        return services;
    }

    /// <summary>HTTP request counts and durations by route; right after routing, so refused requests count too.</summary>
    public static WebApplication UsePnxHttpMetrics(this WebApplication app)
    {
        app.UseHttpMetrics(o => o.SetMetricFactory(Prometheus.Metrics.WithCustomRegistry(app.Services.GetRequiredService<CollectorRegistry>())));
        return app;
    }

    /// <summary><c>/metrics</c>, behind <see cref="MetricsAccess"/> (loopback only unless configured).</summary>
    public static WebApplication MapPnxMetrics(this WebApplication app)
    {
        if (!app.Services.GetRequiredService<IOptions<MetricsOptions>>().Value.Enabled)
        {
            return app;
        }

        var registry = app.Services.GetRequiredService<CollectorRegistry>();
        var access = app.Services.GetRequiredService<MetricsAccess>();

        // The scrape-time collectors register their callbacks when first built.
        _ = app.Services.GetRequiredService<ServerMetrics>();
        _ = app.Services.GetRequiredService<ContainerMetrics>();
        _ = app.Services.GetRequiredService<NameInfoMetrics>();
        app.MapGet(Path, async context =>
        {
            if (access.Refusal(context.Connection.RemoteIpAddress, context.Request.Headers.Authorization) is { } status)
            {
                if (status == StatusCodes.Status401Unauthorized)
                {
                    context.Response.Headers.WWWAuthenticate = "Bearer realm=\"metrics\"";
                }

                context.Response.StatusCode = status;
                return;
            }

            context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            await registry.CollectAndExportAsTextAsync(context.Response.Body, context.RequestAborted);
        }).ExcludeFromDescription();
        return app;
    }
}
