using Microsoft.Extensions.Options;
using PrivateNexus.Server.Dashboard;
using PrivateNexus.Server.Features.Alerts;
using PrivateNexus.Server.Hosting;

namespace PrivateNexus.Server.Features;

public static class AlertsSetup
{
    /// <summary>
    /// Alert rules, channels and alerts (the services the API calls), and — when enabled — the
    /// evaluator and the notification dispatcher, on the replica holding the alerting lease.
    /// </summary>
    public static IServiceCollection AddAlerts(this IServiceCollection services)
    {
        services.AddValidatedSettings<AlertsOptions>(AlertsOptions.Section);
        services.AddValidatedSettings<SmtpOptions>(SmtpOptions.Section);
        services.AddScoped<AlertRuleService>().AddScoped<NotificationChannelService>().AddScoped<AlertService>();
        services.AddScoped<AlertConditions>().AddScoped<NotificationSender>().AddScoped<WebhookSender>().AddScoped<EmailSender>();
        // The dashboard's home page lists the caller's firing alerts through this (it knows nothing of alerts).
        services.AddSingleton<IAttentionSource, AlertAttentionSource>();
        services.AddSingleton<AlertMetrics>();
        services.AddSingleton<RestartTracker>();
        services.AddSingleton<ChannelTestThrottle>();
        services.AddHostedService(sp => sp.GetRequiredService<RestartTracker>());
        services.AddSingleton<AlertLeadership>().AddSingleton<NotificationDispatcher>().AddSingleton<AlertEvaluator>();
        services.AddHostedService(sp => sp.GetRequiredService<AlertLeadership>());
        services.AddHostedService(sp => sp.GetRequiredService<NotificationDispatcher>());
        services.AddHostedService(sp => sp.GetRequiredService<AlertEvaluator>());

        // Deadlines per attempt and overall, so a slow receiver costs one delivery a retry, never the dispatcher.
        services.AddHttpClient(WebhookSender.GuardedClient)
            .ConfigurePrimaryHttpMessageHandler(sp =>
            {
                var allowPrivate = sp.GetRequiredService<IOptions<AlertsOptions>>().Value.AllowPrivateWebhookTargets;
                return new SocketsHttpHandler
                {
                    AllowAutoRedirect = false,

                    // Through a proxy the guard would see the proxy's address, not the target's.
                    UseProxy = false,
                    ConnectCallback = (context, ct) => WebhookTargetGuard.ConnectAsync(context, allowPrivate, ct),
                };
            })
            .AddStandardResilienceHandler(Resilience);
        services.AddHttpClient(WebhookSender.PlatformClient)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false })
            .AddStandardResilienceHandler(Resilience);
        return services;
    }

    private static void Resilience(Microsoft.Extensions.Http.Resilience.HttpStandardResilienceOptions o)
    {
        o.AttemptTimeout.Timeout = TimeSpan.FromSeconds(5);
        o.TotalRequestTimeout.Timeout = TimeSpan.FromSeconds(15);
        o.Retry.MaxRetryAttempts = 2;
        o.Retry.Delay = TimeSpan.FromMilliseconds(500);
        o.CircuitBreaker.SamplingDuration = TimeSpan.FromSeconds(10);
    }
}
