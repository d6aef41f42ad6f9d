using Microsoft.AspNetCore.Identity;

namespace PrivateNexus.Server.Features.Users;

/// <summary>One-time "set your password" links, built on Identity's password-reset tokens.</summary>
public sealed class InvitationLinks(UserManager<User> users, IHttpContextAccessor http)
{
    public async Task<string> CreateAsync(User user)
    {
        var token = await users.GeneratePasswordResetTokenAsync(user);
        var request = http.HttpContext?.Request;
        var origin = request is null ? "" : $"{request.Scheme}://{request.Host}";
        return $"{origin}/account/set-password?user={user.Id}&token={Uri.EscapeDataString(token)}";
    }
}
