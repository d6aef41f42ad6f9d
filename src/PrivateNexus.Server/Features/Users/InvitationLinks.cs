using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using PrivateNexus.Server.Hosting;

namespace PrivateNexus.Server.Features.Users;

/// <summary>
/// One-time links to set a password. The address is the one the operator configured
/// (<see cref="PnxOptions.PublicUrl"/>) when there is one — behind a reverse proxy the request's own
/// Host and scheme may be the proxy's, and inside a dashboard circuit there may be no request at all —
/// else the address the request came in on.
/// </summary>
public sealed class InvitationLinks(UserManager<User> users, IHttpContextAccessor http, IOptions<PnxOptions> options)
{
    public async Task<string> CreateAsync(User user)
    {
        var token = await users.GeneratePasswordResetTokenAsync(user);
        var request = http.HttpContext?.Request;
        var origin = options.Value.PublicUrl?.GetLeftPart(UriPartial.Authority)
            ?? (request is null ? "" : $"{request.Scheme}://{request.Host}");
        return $"{origin}/account/set-password?user={user.Id}&token={Uri.EscapeDataString(token)}";
    }
}
