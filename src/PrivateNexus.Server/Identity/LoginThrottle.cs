namespace PrivateNexus.Server.Identity;

/// <summary>
/// Limits sign-in attempts per account (the per-IP limit is the rate limiter's), so a spread-out
/// guessing attack on one account is slowed even before Identity's lockout engages.
/// </summary>
public sealed class LoginThrottle(SharedRateLimits shared, ILogger<LoginThrottle> logger)
    : SharedThrottle(shared, logger, "login", permitLimit: 10, window: TimeSpan.FromMinutes(5), whenUnavailable: "relying on account lockout");
