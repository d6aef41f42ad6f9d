using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using PrivateNexus.Tests.Engine;
using PrivateNexus.Tests.Infrastructure;

namespace PrivateNexus.Tests.Dashboard;

/// <summary>
/// A running service's live logs on its page, in headless Chromium, from a real container that prints
/// "tick-N" and "tock-N" every second: pausing holds new lines back (and says how many), a search shows
/// only matching lines (and the download holds only those), resuming follows the stream again.
/// </summary>
[Collection(nameof(DashboardCollection))]
public sealed class ServiceLogFlowTests(DashboardApp app)
{
    private static readonly LocatorAssertionsToBeVisibleOptions Long = new() { Timeout = 90_000 };

    [Fact]
    public async Task A_member_pauses_the_live_logs_searches_them_and_resumes_following()
    {
        app.RequireAll();
        var admin = await app.AdminAsync();
        var clientId = await admin.CreateClientAsync($"logs-{Guid.NewGuid():N}"[..12]);
        var spec = new { image = EngineApp.Image, command = BusyboxCommands.TickTock, cpuMillicores = 50, memoryMiB = 16 };
        var created = await admin.DataAsync(
            "mutation($input: CreateServiceInput!) { createService(input: $input) { id } }",
            new { input = new { clientId, name = "ticker", desiredState = "STOPPED", spec } });
        var serviceId = created["createService"]!["id"]!.GetValue<string>();
        var email = await app.MemberEmailAsync(clientId, "MEMBER");

        // Started from the page with the logs open, so the view holds only a few lines when it is paused:
        // all of them are rendered (the list is virtualized) and can be compared one by one.
        var page = await app.NewPageAsync();
        await DashboardApp.SignInAsync(page, email, AdminActions.Password, $"/app/services/{serviceId}");
        await page.GetByRole(AriaRole.Tab, new() { Name = "Logs" }).ClickAsync();
        var box = page.GetByTestId("log-lines");
        var lines = box.GetByTestId("log-line");
        await Assertions.Expect(box).ToContainTextAsync("Waiting for lines");
        await page.GetByTestId("action-start").ClickAsync();
        await MudUi.AnswerAsync(page, "Really start 'ticker'?", "Start");
        await Assertions.Expect(box.GetByText("tock-2", new() { Exact = true })).ToBeVisibleAsync(Long);

        // Paused: the lines shown stay as they are while new ones are counted as held back.
        var pause = page.GetByTestId("logs-pause");
        await pause.ClickAsync();
        await Assertions.Expect(pause).ToHaveTextAsync(new Regex(@"^Resume \(\d+ new\)$"));
        var shown = await lines.AllTextContentsAsync();
        await Assertions.Expect(pause).ToHaveTextAsync(new Regex(@"^Resume \(([2-9]|\d{2,}) new\)$"), new() { Timeout = 30_000 });
        Assert.Equal(shown, await lines.AllTextContentsAsync());

        // Searching shows exactly the matching lines of those shown; the download holds the same.
        var matching = shown.Where(l => l.Contains("tock-", StringComparison.Ordinal)).ToList();
        await page.GetByLabel("Search logs").FillAsync("tock");
        await Assertions.Expect(lines).ToHaveTextAsync(matching);
        var download = await page.GetByTestId("logs-download").GetAttributeAsync("href") ?? "";
        Assert.StartsWith("data:text/plain;charset=utf-8;base64,", download, StringComparison.Ordinal);
        var text = Encoding.UTF8.GetString(Convert.FromBase64String(download[(download.IndexOf(',', StringComparison.Ordinal) + 1)..]));
        Assert.Equal(matching.Select(Tock), text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(Tock));

        // Resumed: the held lines come in, then new ones keep coming, still only matching ones.
        await pause.ClickAsync();
        await Assertions.Expect(pause).ToHaveTextAsync("Pause");
        var released = await NewestAtTheEndAsync(box, newerThan: Newest(shown));
        await NewestAtTheEndAsync(box, newerThan: released);
        await Assertions.Expect(lines.Filter(new() { HasText = "tick-" })).ToHaveCountAsync(0);

        // The search cleared: both kinds again.
        await page.GetByLabel("Search logs").FillAsync("");
        await Assertions.Expect(lines.Filter(new() { HasText = "tick-" }).First).ToBeVisibleAsync();

        // Following, the box keeps to its newest line by itself (like tail -f): nobody scrolls here,
        // while the lines grow well past what the box shows.
        var followed = Newest(await lines.AllTextContentsAsync());
        Assert.True(
            await Eventually.TrueAsync(
                async () => Newest(await lines.AllTextContentsAsync()) > followed + 2
                    && await box.EvaluateAsync<bool>("box => box.scrollHeight - box.clientHeight > 200")
                    && await AtTheEndAsync(box),
                TimeSpan.FromSeconds(60)),
            "the log box did not keep to its newest line");

        // A reader who scrolls up to read is left there while lines keep coming.
        await box.EvaluateAsync("box => box.scrollTop = 0");
        await Task.Delay(TimeSpan.FromSeconds(3), TestContext.Current.CancellationToken);
        Assert.False(await AtTheEndAsync(box), "the box went back to its end although the reader scrolled up");
        await page.Context.CloseAsync();
    }

    private static async Task<bool> AtTheEndAsync(ILocator box) =>
        await box.EvaluateAsync<bool>("box => box.scrollHeight > box.clientHeight && box.scrollHeight - box.scrollTop - box.clientHeight < 24");

    /// <summary>The number of a row's "tock-N", or 0 for any other row.</summary>
    private static int Tock(string row) =>
        Regex.Match(row, @"tock-(\d+)$") is { Success: true } match ? int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : 0;

    private static int Newest(IEnumerable<string> rows) => rows.Select(Tock).DefaultIfEmpty(0).Max();

    /// <summary>
    /// Scrolled to the end, as a person reading the newest lines does (the list renders only the rows
    /// in view), until a tock line newer than <paramref name="newerThan"/> is there; returns its number.
    /// </summary>
    private static async Task<int> NewestAtTheEndAsync(ILocator box, int newerThan)
    {
        var newest = 0;
        var arrived = await Eventually.TrueAsync(
            async () =>
            {
                await box.EvaluateAsync("box => box.scrollTop = box.scrollHeight");
                newest = Newest(await box.GetByTestId("log-line").AllTextContentsAsync());
                return newest > newerThan;
            },
            TimeSpan.FromSeconds(60));
        Assert.True(arrived, $"No line newer than tock-{newerThan} arrived; the newest is tock-{newest}.");
        return newest;
    }
}
