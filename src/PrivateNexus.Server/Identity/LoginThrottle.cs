using System.Threading.RateLimiting;

namespace PrivateNexus.Server.Identity;

/// <summary>
/// Limits sign-in attempts per account (the per-IP limit is the rate limiter's), so a spread-out
/// guessing attack on one account is slowed even before Identity's lockout engages.
/// </summary>
public sealed class LoginThrottle : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter = PartitionedRateLimiter.Create<string, string>(account =>
        RateLimitPartition.GetSlidingWindowLimiter(account, _ => new SlidingWindowRateLimiterOptions
        {
            PermitLimit = 10,
            Window = TimeSpan.FromMinutes(5),
            SegmentsPerWindow = 5,
            QueueLimit = 0,
        }));

    public bool TryAcquire(string normalizedAccount)
    {
        using var lease = _limiter.AttemptAcquire(normalizedAccount);
        return lease.IsAcquired;
    }

    public void Dispose() => _limiter.Dispose();
}
