using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using PrivateNexus.Server.Common;
using PrivateNexus.Server.Identity;

namespace PrivateNexus.Server.Pages;

/// <summary>First run without bootstrap variables: the one-time link from the log leads here.</summary>
[EnableRateLimiting(IdentitySetup.AuthRateLimit)]
public sealed class SetupModel(Bootstrap bootstrap) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string Token { get; set; } = "";

    [BindProperty]
    public string Email { get; set; } = "";

    [BindProperty]
    public string? DisplayName { get; set; }

    [BindProperty]
    public string Password { get; set; } = "";

    public bool Available { get; private set; }

    public bool Done { get; private set; }

    public string? Error { get; private set; }

    public async Task OnGetAsync() => Available = await bootstrap.IsSetupTokenValidAsync(Token, HttpContext.RequestAborted);

    public async Task<IActionResult> OnPostAsync()
    {
        Available = await bootstrap.IsSetupTokenValidAsync(Token, HttpContext.RequestAborted);
        if (!Available)
        {
            return Page();
        }

        try
        {
            await bootstrap.CompleteSetupAsync(Token, Email, DisplayName, Password, HttpContext.RequestAborted);
            Done = true;
        }
        catch (DomainException ex)
        {
            Error = ex.Message;
        }

        return Page();
    }
}
