using Microsoft.Playwright;
using PrivateNexus.Tests.Engine;
using PrivateNexus.Tests.Infrastructure;

namespace PrivateNexus.Tests.Dashboard;

/// <summary>
/// The real server with node agents on the test Docker engine (<see cref="EngineApp"/>), plus one
/// headless Chromium shared by the dashboard's browser tests; each test gets its own browser context
/// (its own cookies), so sessions never leak between tests.
/// </summary>
public sealed class DashboardApp : EngineApp
{
    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        if (Endpoint is not null && DashboardBrowser.Executable is not null)
        {
            (_playwright, Browser) = await DashboardBrowser.LaunchAsync();
        }
    }

    public override async ValueTask DisposeAsync()
    {
        if (_playwright is not null)
        {
            await Browser.DisposeAsync();
            _playwright.Dispose();
        }

        await base.DisposeAsync();
    }

    public void RequireAll()
    {
        Require();
        DashboardBrowser.Require();
    }

    /// <summary>A fresh browser context on this server, laptop-sized unless told otherwise.</summary>
    public async Task<IPage> NewPageAsync(int width = 1280, int height = 800)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = BaseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = width, Height = height },
        });
        context.SetDefaultTimeout(30_000);
        return await context.NewPageAsync();
    }

    /// <summary>
    /// Opens the dashboard and signs in as a person would: /app sends the browser through the OAuth
    /// code flow to the sign-in page, and back to the dashboard with its session.
    /// </summary>
    public static async Task SignInAsync(IPage page, string email, string password, string path = "/app")
    {
        await page.GotoAsync(path);
        await page.WaitForURLAsync("**/account/login**");
        await page.FillAsync("#email", email);
        await page.FillAsync("#password", password);
        await page.ClickAsync("button[type=submit]");
        await page.WaitForURLAsync(url => new Uri(url).AbsolutePath.StartsWith("/app", StringComparison.Ordinal));
        await WaitInteractiveAsync(page);
    }

    /// <summary>Blazor's circuit is connected: clicks now reach the server.</summary>
    public static Task WaitInteractiveAsync(IPage page) =>
        page.Locator("[data-testid=interactive]").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });

    /// <summary>A client member with a fresh account, for tests that sign in as one.</summary>
    public async Task<string> MemberEmailAsync(string clientId, string role = "MEMBER")
    {
        var admin = await AdminAsync();
        var email = $"{role.ToLowerInvariant()}-{Guid.NewGuid():N}@example.test";
        await admin.CreateUserAsync(email);
        await admin.AddMemberAsync(clientId, email, role);
        return email;
    }
}

[CollectionDefinition(nameof(DashboardCollection))]
public sealed class DashboardCollection : ICollectionFixture<DashboardApp>;
