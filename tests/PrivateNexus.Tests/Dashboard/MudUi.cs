using Microsoft.Playwright;

namespace PrivateNexus.Tests.Dashboard;

/// <summary>
/// How a person works MudBlazor's controls in the browser tests: choose in a select, answer a
/// confirmation, read a snackbar. Each step waits for what a person would see before going on, so a
/// test never sleeps and never clicks into a popover or dialog that is still opening or closing.
/// </summary>
public static class MudUi
{
    /// <summary>Opens a select and picks the option with exactly this text; waits until the list has closed again.</summary>
    public static async Task ChooseAsync(ILocator select, string option)
    {
        await select.ClickAsync();
        var list = select.Page.Locator(".mud-popover-open");
        await list.GetByText(option, new() { Exact = true }).ClickAsync();
        await Assertions.Expect(list).ToHaveCountAsync(0);
    }

    /// <summary>The open confirmation dialog: checks it asks what it should, then presses <paramref name="button"/>.</summary>
    public static async Task AnswerAsync(IPage page, string asks, string button)
    {
        var dialog = page.GetByRole(AriaRole.Dialog);
        await Assertions.Expect(dialog).ToContainTextAsync(asks);
        await dialog.GetByRole(AriaRole.Button, new() { Name = button, Exact = true }).ClickAsync();
        await Assertions.Expect(dialog).ToHaveCountAsync(0);
    }

    /// <summary>A snackbar with this text is showing (confirmations are shown there, bottom-left).</summary>
    public static Task SnackbarAsync(IPage page, string text) =>
        Assertions.Expect(page.Locator(".mud-snackbar").Filter(new() { HasText = text }).First).ToBeVisibleAsync();
}
