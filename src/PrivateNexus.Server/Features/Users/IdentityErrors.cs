using Microsoft.AspNetCore.Identity;
using PrivateNexus.Server.Common;

namespace PrivateNexus.Server.Features.Users;

internal static class IdentityErrors
{
    /// <summary>Turns an ASP.NET Identity failure into BAD_USER_INPUT/CONFLICT naming the field.</summary>
    public static void ThrowIfFailed(this IdentityResult result, string passwordField = "password")
    {
        if (result.Succeeded)
        {
            return;
        }

        var error = result.Errors.First();
        if (error.Code is "DuplicateEmail" or "DuplicateUserName")
        {
            throw DomainException.Conflict("A user with this e-mail already exists.", "email");
        }

        var field = error.Code.StartsWith("Password", StringComparison.Ordinal) ? passwordField
            : error.Code.Contains("Email", StringComparison.Ordinal) || error.Code.Contains("UserName", StringComparison.Ordinal) ? "email"
            : "input";
        throw DomainException.BadInput(field, string.Join(" ", result.Errors.Select(e => e.Description)));
    }
}
