using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using PrivateNexus.Server.Hosting;
using StackExchange.Redis;

namespace PrivateNexus.Server.Events;

public static class EventsSetup
{
    /// <summary>
    /// The one event bus: in process by default; with <c>Pnx:RedisUrl</c> (<c>PNX_REDIS_URL</c>) also
    /// across replicas over Redis pub/sub. Redis also backs the HybridCache's second level then.
    /// </summary>
    public static IServiceCollection AddPnxEvents(this IServiceCollection services)
    {
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<PnxOptions>>().Value.RedisUrl is { Length: > 0 } url
            ? new RedisConnection(url, sp.GetRequiredService<ILogger<RedisConnection>>())
            : null!);
        services.AddSingleton(sp => sp.GetService<RedisConnection>() is { } redis
            ? new RedisEventTransport(redis, sp.GetRequiredService<ILogger<RedisEventTransport>>())
            : null!);
        services.AddSingleton(sp => new EventBus(sp.GetRequiredService<ILogger<EventBus>>(), sp.GetService<RedisEventTransport>()));
        services.AddSingleton<IInterceptor, ChangePublisher>();
        services.AddHostedService<MirrorPublisher>();
        services.AddHostedService<CacheInvalidation>();
        services.AddHealthChecks().AddCheck<RedisHealthCheck>("redis", tags: ["ready"]);

        // HybridCache: in memory, with Redis as its second level when configured (shared by replicas).
        services.AddHybridCache();
        services.AddSingleton<IDistributedCache>(sp => sp.GetService<RedisConnection>() is { } redis
            ? new RedisCache(new RedisCacheOptions
            {
                InstanceName = "privatenexus:cache:",
                ConnectionMultiplexerFactory = () => Task.FromResult<IConnectionMultiplexer>(redis.Multiplexer),
            })
            : new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions())));
        return services;
    }
}

public static class WebSocketSetup
{
    /// <summary>WebSocket upgrades (the GraphQL endpoint takes them); protocol-level keep-alive is the transport's own ping.</summary>
    public static WebApplication UsePnxWebSockets(this WebApplication app)
    {
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.Zero });
        return app;
    }
}

/// <summary>
/// Redis down is a degradation, not an outage: the replica keeps serving from its own bus and
/// cache, so <c>/readyz</c> says Degraded (still 200, the load balancer keeps it) and why.
/// </summary>
public sealed class RedisHealthCheck(IServiceProvider services) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var redis = services.GetService<RedisConnection>();
        return Task.FromResult(redis switch
        {
            null => HealthCheckResult.Healthy("Redis not configured: in-process event bus and cache."),
            { IsConnected: true } => HealthCheckResult.Healthy("Redis connected."),
            _ => HealthCheckResult.Degraded("Redis unreachable: events do not reach other replicas and the shared cache is bypassed until it returns."),
        });
    }
}
