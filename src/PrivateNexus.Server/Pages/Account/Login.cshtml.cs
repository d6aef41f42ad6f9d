using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using PrivateNexus.Server.Authorization;
using PrivateNexus.Server.Common;
using PrivateNexus.Server.Features.Audit;
using PrivateNexus.Server.Features.Users;
using PrivateNexus.Server.Identity;

namespace PrivateNexus.Server.Pages.Account;

/// <summary>The sign-in form of the code flow. Throttled per IP (rate limiter) and per account.</summary>
[EnableRateLimiting(IdentitySetup.AuthRateLimit)]
public sealed class LoginModel(
    SignInManager<User> signIn, UserManager<User> users, LoginThrottle throttle, AuditLog audit, TimeProvider time) : PageModel
{
    [BindProperty]
    public string Email { get; set; } = "";

    [BindProperty]
    public string Password { get; set; } = "";

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public string? Error { get; private set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync()
    {
        var account = Email.Trim().ToUpperInvariant();
        var actor = Actor.Anonymous with { Name = Email.Trim() };
        if (!await throttle.TryAcquireAsync(account, HttpContext.RequestAborted))
        {
            await audit.RecordNowAsync(actor, "auth.login", new("user", null, null), AuditOutcome.Denied, new { reason = "throttled" });
            Error = "Too many attempts for this account. Wait a few minutes and try again.";
            return Page();
        }

        var user = await users.FindByEmailAsync(Email.Trim());
        if (user is null || user.Status != UserStatus.Active)
        {
            await audit.RecordNowAsync(actor, "auth.login", new("user", user?.Id.ToString(), null), AuditOutcome.Failed, new { reason = user is null ? "unknown" : "disabled" });
            Error = "Wrong e-mail or password.";
            return Page();
        }

        var result = await signIn.PasswordSignInAsync(user, Password, isPersistent: false, lockoutOnFailure: true);
        var userActor = actor with { Type = ActorType.User, Id = user.Id.ToString(), UserId = user.Id };
        if (result.IsLockedOut)
        {
            await audit.RecordNowAsync(userActor, "auth.login", AuditTarget.Of("user", user.Id), AuditOutcome.Denied, new { reason = "locked-out" });
            Error = "This account is locked after repeated failures. Try again later.";
            return Page();
        }

        if (!result.Succeeded)
        {
            await audit.RecordNowAsync(userActor, "auth.login", AuditTarget.Of("user", user.Id), AuditOutcome.Failed, new { reason = "password" });
            Error = "Wrong e-mail or password.";
            return Page();
        }

        user.LastSignInAt = time.Now();
        await users.UpdateAsync(user);
        await audit.RecordNowAsync(userActor, "auth.login", AuditTarget.Of("user", user.Id), AuditOutcome.Success);
        return LocalRedirect(Url.IsLocalUrl(ReturnUrl) ? ReturnUrl : "/");
    }
}
