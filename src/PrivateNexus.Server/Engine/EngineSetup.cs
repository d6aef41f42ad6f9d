using Microsoft.Extensions.Options;
using PrivateNexus.Server.Hosting;

namespace PrivateNexus.Server.Engine;

public static class EngineSetup
{
    /// <summary>The engine seam: clients per node, the state mirror, node agents and the reconciler.</summary>
    public static IServiceCollection AddEngine(this IServiceCollection services)
    {
        services.AddValidatedSettings<EngineOptions>(EngineOptions.Section);
        services.AddSingleton<StateMirror>();
        services.AddSingleton<ReconcileSignals>();
        services.AddSingleton<EngineClientFactory>();
        services.AddSingleton<ContainerSpecBuilder>();
        services.AddScoped<Reconciler>();
        services.AddScoped<DeploymentTracker>();
        services.AddScoped<LocalNodeRegistration>();
        services.AddSingleton<NodeLeases>();
        services.AddHostedService(sp => sp.GetRequiredService<NodeLeases>());
        services.AddHostedService<BackgroundService>(sp => sp.GetRequiredService<IOptions<EngineOptions>>().Value.Enabled
            ? ActivatorUtilities.CreateInstance<EngineSupervisor>(sp)
            : new DisabledEngine());
        return services;
    }

    private sealed class DisabledEngine : BackgroundService
    {
        protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.CompletedTask;
    }
}
