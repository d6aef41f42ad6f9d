using System.Net;
using Microsoft.AspNetCore.DataProtection;

namespace PrivateNexus.Server.Identity;

/// <summary>
/// Lets a first-party back channel — the dashboard redeeming a browser's authorization code at the
/// token endpoint — say which end user's address the request is made for, so the sign-in rate limit
/// (per address, <see cref="IdentitySetup.AuthRateLimit"/>) counts that user and not the server
/// itself. Without it every dashboard sign-in of every user shared the one bucket of 127.0.0.1 (or of
/// the server's own address), and the whole organisation could sign in only 30 times a minute.
/// </summary>
/// <remarks>
/// The address travels in a header protected with the server's Data Protection keys (shared by the
/// replicas, as the cookies need them to be) and is good for a minute: a caller without the keys
/// cannot choose the address it is counted under. It is honoured only on the token endpoint (what the
/// back channel calls), in a bucket of its own per user address next to that user's own sign-in attempts.
/// </remarks>
public sealed class BackChannelClientAddress(IDataProtectionProvider protection, TimeProvider time)
{
    public const string Header = "X-PrivateNexus-Client-Address";
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(1);

    private readonly ITimeLimitedDataProtector _protector =
        protection.CreateProtector("PrivateNexus.Identity.BackChannelClientAddress.v1").ToTimeLimitedDataProtector();

    /// <summary>The header value saying the request is made for <paramref name="user"/>.</summary>
    public string Vouch(IPAddress user) => _protector.Protect(user.ToString(), time.GetUtcNow() + Lifetime);

    /// <summary>The end user a request was vouched for, or null when it carries no valid, current proof.</summary>
    public IPAddress? Of(HttpRequest request)
    {
        if (request.Headers[Header].ToString() is not { Length: > 0 } value)
        {
            return null;
        }

        try
        {
            var unprotected = _protector.Unprotect(value, out var expires);
            return expires > time.GetUtcNow() && IPAddress.TryParse(unprotected, out var address) ? address : null;
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return null;
        }
    }
}
