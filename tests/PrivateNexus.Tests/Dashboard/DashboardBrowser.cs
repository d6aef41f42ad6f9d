using Microsoft.Playwright;

namespace PrivateNexus.Tests.Dashboard;

/// <summary>
/// Debian's Chromium driven by Playwright, headless. Playwright never downloads a browser here: the
/// executable is the one scripts/test-env.sh installs (PNX_TEST_CHROMIUM).
/// </summary>
public static class DashboardBrowser
{
    public static readonly string[] Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

    public static string? Executable => Environment.GetEnvironmentVariable("PNX_TEST_CHROMIUM") is { Length: > 0 } path ? path : null;

    /// <summary>Where the README's screenshots are written when PNX_UPDATE_SCREENSHOTS=1.</summary>
    public static string? ScreenshotDir =>
        Environment.GetEnvironmentVariable("PNX_UPDATE_SCREENSHOTS") == "1"
            ? Path.Combine(Transport.RepositoryRoot.Path, "docs", "screenshots")
            : null;

    public static async Task<(IPlaywright Playwright, IBrowser Browser)> LaunchAsync()
    {
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Executable,
            Headless = true,
            Args = Args,
        });
        return (playwright, browser);
    }

    /// <summary>Skips when Chromium is not prepared, except in CI (env CI set), where that fails.</summary>
    public static void Require()
    {
        if (Executable is not null)
        {
            return;
        }

        Assert.False(Environment.GetEnvironmentVariable("CI") is { Length: > 0 }, "PNX_TEST_CHROMIUM is not set in CI.");
        Assert.Skip("PNX_TEST_CHROMIUM is not set; run scripts/test.sh (service chromium).");
    }

    public static async Task ScreenshotAsync(IPage page, string name)
    {
        if (ScreenshotDir is { } dir)
        {
            Directory.CreateDirectory(dir);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(dir, name + ".png"), FullPage = false });
        }
    }
}
