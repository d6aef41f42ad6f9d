using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using PrivateNexus.Server.Authorization;
using PrivateNexus.Server.Features.Audit;
using PrivateNexus.Server.Features.Users;
using PrivateNexus.Server.Identity;

namespace PrivateNexus.Server.Pages.Account;

/// <summary>Where an invitation link leads: the invited user chooses a password (one-time token).</summary>
[EnableRateLimiting(IdentitySetup.AuthRateLimit)]
public sealed class SetPasswordModel(UserManager<User> users, AuditLog audit) : PageModel
{
    [BindProperty(SupportsGet = true, Name = "user")]
    public string UserId { get; set; } = "";

    [BindProperty(SupportsGet = true)]
    public string Token { get; set; } = "";

    [BindProperty]
    public string Password { get; set; } = "";

    public string? Error { get; private set; }

    public bool Done { get; private set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync()
    {
        var user = await users.FindByIdAsync(UserId);
        var result = user is null
            ? IdentityResult.Failed(new IdentityError { Code = "InvalidToken", Description = "This link is not valid." })
            : await users.ResetPasswordAsync(user, Token, Password);
        if (!result.Succeeded)
        {
            Error = result.Errors.Any(e => e.Code == "InvalidToken")
                ? "This link is not valid or has been used already. Ask for a new invitation."
                : string.Join(" ", result.Errors.Select(e => e.Description));
            return Page();
        }

        var actor = Actor.Anonymous with { Type = ActorType.User, Id = user!.Id.ToString(), UserId = user.Id, Name = user.Email ?? "" };
        await audit.RecordNowAsync(actor, "user.password.set", AuditTarget.Of("user", user.Id), AuditOutcome.Success);
        Done = true;
        return Page();
    }
}
