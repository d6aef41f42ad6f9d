using System.Threading.RateLimiting;

namespace PrivateNexus.Server.Identity;

/// <summary>
/// Limits sign-in attempts per account (the per-IP limit is the rate limiter's), so a spread-out
/// guessing attack on one account is slowed even before Identity's lockout engages. Counted across
/// replicas when Redis is configured (<see cref="SharedRateLimits"/>).
/// </summary>
public sealed class LoginThrottle(SharedRateLimits shared, ILogger<LoginThrottle> logger) : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter = PartitionedRateLimiter.Create<string, string>(account =>
        shared.SlidingWindow("login:" + account, permitLimit: 10, window: TimeSpan.FromMinutes(5), segments: 5));

    public async ValueTask<bool> TryAcquireAsync(string normalizedAccount, CancellationToken cancellationToken)
    {
        try
        {
            using var lease = await _limiter.AcquireAsync(normalizedAccount, 1, cancellationToken);
            return lease.IsAcquired;
        }
        catch (Exception ex) when (ex is StackExchange.Redis.RedisException or TimeoutException)
        {
            // Redis went away between the check and the call: Identity's lockout still guards the account.
            logger.LogWarning("Sign-in throttle unavailable ({Error}); relying on account lockout", ex.Message);
            return true;
        }
    }

    public void Dispose() => _limiter.Dispose();
}
