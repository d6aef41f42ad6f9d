using System.Threading.RateLimiting;
using PrivateNexus.Server.Authorization;
using PrivateNexus.Server.Identity;

namespace PrivateNexus.Server.Features.Alerts;

/// <summary>
/// Limits <c>testNotificationChannel</c> per caller: each test sends a real e-mail or webhook call to
/// an address the caller chose, so without a bound a client owner could use the server to send mail
/// or requests on repeat (across as many channels as they care to create). Counted across replicas
/// when Redis is configured (<see cref="SharedRateLimits"/>).
/// </summary>
public sealed class ChannelTestThrottle(SharedRateLimits shared, ILogger<ChannelTestThrottle> logger) : IDisposable
{
    public const int PermitLimit = 10;
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(10);

    private readonly PartitionedRateLimiter<string> _limiter = PartitionedRateLimiter.Create<string, string>(caller =>
        shared.SlidingWindow("channel-test:" + caller, PermitLimit, Window, segments: 5));

    public async ValueTask<bool> TryAcquireAsync(Actor actor, CancellationToken cancellationToken)
    {
        try
        {
            using var lease = await _limiter.AcquireAsync($"{actor.Type}:{actor.Id}", 1, cancellationToken);
            return lease.IsAcquired;
        }
        catch (Exception ex) when (ex is StackExchange.Redis.RedisException or TimeoutException)
        {
            // Redis went away between the check and the call: a test message is not worth an error.
            logger.LogWarning("Channel test throttle unavailable ({Error}); allowing the test", ex.Message);
            return true;
        }
    }

    public void Dispose() => _limiter.Dispose();
}
