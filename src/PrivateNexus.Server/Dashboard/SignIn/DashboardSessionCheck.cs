using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using PrivateNexus.Server.Authorization;

namespace PrivateNexus.Server.Dashboard.SignIn;

/// <summary>
/// A dashboard session is only as good as its account. The cookie outlives a disabled (or removed)
/// account by up to its 8 hours; without this check every page would open for such a user, empty,
/// and "reload to sign in again" would only reload the same empty page. So each request that brings
/// the cookie asks the cached <see cref="ActorDirectory"/> (no database round trip; invalidated on
/// every change, on every replica) whether the account is still active, and drops the cookie if not:
/// the request then goes through sign-in, which refuses the account.
/// </summary>
public static class DashboardSessionCheck
{
    public static async Task RejectInactiveAccountAsync(CookieValidatePrincipalContext context)
    {
        var directory = context.HttpContext.RequestServices.GetRequiredService<ActorDirectory>();
        var active = Guid.TryParse(context.Principal?.FindFirstValue(PnxClaims.Subject), out var userId)
            && await directory.GetUserAsync(userId, context.HttpContext.RequestAborted) is { Active: true };
        if (!active)
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(DashboardSetup.CookieScheme);
        }
    }
}
