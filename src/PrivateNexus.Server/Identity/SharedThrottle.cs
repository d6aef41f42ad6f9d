using System.Threading.RateLimiting;

namespace PrivateNexus.Server.Identity;

/// <summary>
/// A sliding-window limit per key (an account, a caller), counted across replicas when Redis is
/// configured (<see cref="SharedRateLimits"/>). Redis going away in the middle of a call lets that call
/// through: each throttle names what still guards the action then.
/// </summary>
public abstract class SharedThrottle(SharedRateLimits shared, ILogger logger, string name, int permitLimit, TimeSpan window, string whenUnavailable)
    : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter = PartitionedRateLimiter.Create<string, string>(key =>
        shared.SlidingWindow($"{name}:{key}", permitLimit, window, segments: 5));

    public int PermitLimit => permitLimit;

    public TimeSpan Window => window;

    public async ValueTask<bool> TryAcquireAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            using var lease = await _limiter.AcquireAsync(key, 1, cancellationToken);
            return lease.IsAcquired;
        }
        catch (Exception ex) when (ex is StackExchange.Redis.RedisException or TimeoutException)
        {
            // A Redis timeout is not a RedisException, and is the same outage to us.
            logger.LogWarning("The {Throttle} throttle is unavailable ({Error}); {Fallback}", name, ex.Message, whenUnavailable);
            return true;
        }
    }

    public void Dispose()
    {
        _limiter.Dispose();
        GC.SuppressFinalize(this);
    }
}
