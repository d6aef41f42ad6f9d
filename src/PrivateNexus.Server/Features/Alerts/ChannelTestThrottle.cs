using PrivateNexus.Server.Authorization;
using PrivateNexus.Server.Identity;

namespace PrivateNexus.Server.Features.Alerts;

/// <summary>
/// Limits <c>testNotificationChannel</c> per caller: each test sends a real e-mail or webhook call to
/// an address the caller chose, so without a bound a client owner could use the server to send mail
/// or requests on repeat (across as many channels as they care to create).
/// </summary>
public sealed class ChannelTestThrottle(SharedRateLimits shared, ILogger<ChannelTestThrottle> logger)
    : SharedThrottle(shared, logger, "channel-test", permitLimit: 10, window: TimeSpan.FromMinutes(10), whenUnavailable: "allowing the test")
{
    public ValueTask<bool> TryAcquireAsync(Actor actor, CancellationToken cancellationToken) =>
        TryAcquireAsync($"{actor.Type}:{actor.Id}", cancellationToken);
}
