using System.Threading.RateLimiting;
using PrivateNexus.Server.Events;
using RedisRateLimiting;

namespace PrivateNexus.Server.Identity;

/// <summary>
/// Rate-limit partitions that hold across server replicas: counted in Redis when it is configured
/// and reachable (so N replicas allow the limit once, not N times), in this process otherwise — a
/// Redis outage loosens the limits to per replica instead of failing sign-ins. Decided per request.
/// </summary>
public sealed class SharedRateLimits(IServiceProvider services)
{
    private const string Prefix = "privatenexus:rl:";

    private RedisConnection? Redis => services.GetService<RedisConnection>();

    public RateLimitPartition<string> FixedWindow(string key, int permitLimit, TimeSpan window) =>
        Redis is { IsConnected: true } redis
            ? RedisRateLimitPartition.GetFixedWindowRateLimiter(Prefix + key, _ => new RedisFixedWindowRateLimiterOptions
            {
                ConnectionMultiplexerFactory = () => redis.Multiplexer,
                PermitLimit = permitLimit,
                Window = window,
            })
            : RateLimitPartition.GetFixedWindowLimiter("local:" + key, _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = permitLimit,
                Window = window,
                QueueLimit = 0,
            });

    public RateLimitPartition<string> SlidingWindow(string key, int permitLimit, TimeSpan window, int segments) =>
        Redis is { IsConnected: true } redis
            ? RedisRateLimitPartition.GetSlidingWindowRateLimiter(Prefix + key, _ => new RedisSlidingWindowRateLimiterOptions
            {
                ConnectionMultiplexerFactory = () => redis.Multiplexer,
                PermitLimit = permitLimit,
                Window = window,
            })
            : RateLimitPartition.GetSlidingWindowLimiter("local:" + key, _ => new SlidingWindowRateLimiterOptions
            {
                PermitLimit = permitLimit,
                Window = window,
                SegmentsPerWindow = segments,
                QueueLimit = 0,
            });
}
