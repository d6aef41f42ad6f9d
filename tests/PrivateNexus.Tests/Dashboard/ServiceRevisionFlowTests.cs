using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Docker.DotNet.Models;
using Microsoft.Playwright;
using PrivateNexus.Tests.Engine;
using PrivateNexus.Tests.Infrastructure;

namespace PrivateNexus.Tests.Dashboard;

/// <summary>
/// A service's revisions through its page, in headless Chromium, on the real test engine: a new
/// revision from the edit form, the diff between revisions (never a secret's value), and a roll back
/// with confirmation. Each step is read back through the API and on the engine, where the container
/// of the new revision runs with the stored secret the form never showed.
/// </summary>
[Collection(nameof(DashboardCollection))]
public sealed class ServiceRevisionFlowTests(DashboardApp app)
{
    private static readonly LocatorAssertionsToBeVisibleOptions Long = new() { Timeout = 90_000 };
    private static readonly LocatorAssertionsToContainTextOptions LongText = new() { Timeout = 90_000 };

    /// <summary>The text as the page lays it out: each diff line is a block of its own.</summary>
    private static readonly LocatorAssertionsToContainTextOptions AsShown = new() { UseInnerText = true };

    [Fact]
    public async Task An_owner_updates_a_service_compares_its_revisions_and_rolls_back_after_confirming()
    {
        app.RequireAll();
        var admin = await app.AdminAsync();
        var clientId = await admin.CreateClientAsync($"rev-{Guid.NewGuid():N}"[..12], imagePolicy: ["pnx-test/*"]);
        var secret = $"s3cret-{Guid.NewGuid():N}";
        var spec = new
        {
            image = EngineApp.Image,
            command = BusyboxCommands.Idle,
            cpuMillicores = 50,
            memoryMiB = 16,
            env = new object[] { new { name = "MODE", value = "prod", secret = false }, new { name = "API_KEY", value = secret, secret = true } },
        };
        var serviceId = (await admin.CreateServiceAsync(clientId, "app", spec))["id"]!.GetValue<string>();
        var email = await app.MemberEmailAsync(clientId, "OWNER");

        var page = await app.NewPageAsync();
        await DashboardApp.SignInAsync(page, email, AdminActions.Password, $"/app/services/{serviceId}");
        var summary = page.GetByTestId("service-summary");
        var deployments = page.GetByTestId("deployment");
        await Assertions.Expect(page.Locator("[data-testid=service-status][data-status=Running]")).ToBeVisibleAsync(Long);
        await Assertions.Expect(summary).ToContainTextAsync("revision 1 ·");

        // The edit form: a new image and a changed variable; the secret stays empty (write-only: kept).
        await page.GetByRole(AriaRole.Tab, new() { Name = "Settings" }).ClickAsync();
        await Assertions.Expect(page.GetByLabel("Value (secret)")).ToHaveValueAsync("");
        await page.FillAsync("#service-image", EngineApp.ImageV2);
        await page.GetByLabel("Value", new() { Exact = true }).FillAsync("staging");
        await page.GetByTestId("service-submit").ClickAsync();
        await MudUi.SnackbarAsync(page, "Saved: a new revision is being deployed.");
        await Assertions.Expect(summary).ToContainTextAsync($"{EngineApp.ImageV2} · revision 2 ·");
        await Assertions.Expect(deployments.Filter(new() { HasText = "Update to revision 2" })).ToContainTextAsync("Succeeded", LongText);
        await Assertions.Expect(page.Locator("[data-testid=service-status][data-status=Running]")).ToBeVisibleAsync(Long);

        var updated = await ServiceAsync(admin, serviceId);
        Assert.Equal((2, EngineApp.ImageV2, "UPDATE", "SUCCEEDED"), Facts(updated));
        var runs = await ContainerEnvAsync(serviceId, revision: 2);
        Assert.Contains("MODE=staging", runs);
        Assert.Contains($"API_KEY={secret}", runs);

        // The diff against revision 1: image and variable changed, the secret only as "[secret]".
        await page.GetByRole(AriaRole.Tab, new() { Name = "Revisions" }).ClickAsync();
        var revisions = page.GetByTestId("revision");
        await Assertions.Expect(revisions).ToHaveCountAsync(2);
        await Assertions.Expect(revisions.Filter(new() { HasText = "#2" })).ToContainTextAsync("current");
        await revisions.Filter(new() { HasText = "#1" }).GetByText("create", new() { Exact = true }).ClickAsync();
        var diff = page.GetByTestId("revision-diff");
        await Assertions.Expect(diff).ToContainTextAsync(DiffLine('-', $"\"image\": \"{EngineApp.Image}\""), AsShown);
        await Assertions.Expect(diff).ToContainTextAsync(DiffLine('+', $"\"image\": \"{EngineApp.ImageV2}\""), AsShown);
        await Assertions.Expect(diff).ToContainTextAsync(DiffLine('-', "\"value\": \"prod\""), AsShown);
        await Assertions.Expect(diff).ToContainTextAsync(DiffLine('+', "\"value\": \"staging\""), AsShown);
        await Assertions.Expect(diff).ToContainTextAsync(DiffLine(' ', "\"value\": \"[secret]\""), AsShown);

        // The command as it was typed, not JSON-escaped ("\u0027" for each quote).
        await Assertions.Expect(diff).ToContainTextAsync(DiffLine(' ', $"\"{BusyboxCommands.Idle[2]}\""), AsShown);
        Assert.DoesNotContain(secret, await page.ContentAsync(), StringComparison.Ordinal);

        // Roll back asks first: cancelled, nothing changes.
        var rollBack = revisions.Filter(new() { HasText = "#1" }).GetByRole(AriaRole.Button, new() { Name = "Roll back" });
        await rollBack.ClickAsync();
        await MudUi.AnswerAsync(page, "Really roll back 'app' to revision 1?", "Cancel");
        Assert.Equal(2, (await ServiceAsync(admin, serviceId))["revision"]!.GetValue<int>());

        // Confirmed: revision 3 with revision 1's spec, deployed; the page follows.
        await rollBack.ClickAsync();
        await MudUi.AnswerAsync(page, "Really roll back 'app' to revision 1?", "Roll back");
        await Assertions.Expect(summary).ToContainTextAsync($"{EngineApp.Image} · revision 3 ·");
        await Assertions.Expect(revisions.Filter(new() { HasText = "#3" })).ToContainTextAsync("rollback:1");
        await Assertions.Expect(revisions.Filter(new() { HasText = "#3" })).ToContainTextAsync("current");
        await page.GetByRole(AriaRole.Tab, new() { Name = "Instances" }).ClickAsync();
        await Assertions.Expect(deployments.Filter(new() { HasText = "Rollback to revision 3" })).ToContainTextAsync("Succeeded", LongText);

        var rolledBack = await ServiceAsync(admin, serviceId);
        Assert.Equal((3, EngineApp.Image, "ROLLBACK", "SUCCEEDED"), Facts(rolledBack));
        runs = await ContainerEnvAsync(serviceId, revision: 3);
        Assert.Contains("MODE=prod", runs);
        Assert.Contains($"API_KEY={secret}", runs);

        // The edit form now starts from the rolled-back spec, not from the one replaced.
        await page.GetByRole(AriaRole.Tab, new() { Name = "Settings" }).ClickAsync();
        await Assertions.Expect(page.Locator("#service-image")).ToHaveValueAsync(EngineApp.Image);
        await Assertions.Expect(page.GetByLabel("Value", new() { Exact = true })).ToHaveValueAsync("prod");
        Assert.DoesNotContain(secret, await page.ContentAsync(), StringComparison.Ordinal);

        // Someone else changes the service meanwhile (the page follows): saving this form now would
        // undo their change unseen, so it is refused in words and their revision stays.
        var theirs = new
        {
            image = EngineApp.Image,
            command = BusyboxCommands.Idle,
            cpuMillicores = 60,
            memoryMiB = 16,
            env = new object[] { new { name = "MODE", value = "theirs", secret = false }, new { name = "API_KEY", secret = true } },
        };
        await admin.DataAsync("mutation($input: UpdateServiceInput!) { updateService(input: $input) { id } }", new { input = new { id = serviceId, spec = theirs } });
        await Assertions.Expect(summary).ToContainTextAsync("revision 4 ·");
        await page.GetByLabel("Value", new() { Exact = true }).FillAsync("mine");
        await page.GetByTestId("service-submit").ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert).Filter(new() { HasText = "The service is at revision 4, not 3." })).ToBeVisibleAsync();
        Assert.Equal(4, (await ServiceAsync(admin, serviceId))["revision"]!.GetValue<int>());
        await page.Context.CloseAsync();
    }

    /// <summary>A line of the diff: its mark (-, + or space), the indentation of the JSON, then the text.</summary>
    private static Regex DiffLine(char mark, string text) => new($"^{Regex.Escape(mark.ToString())} +{Regex.Escape(text)}", RegexOptions.Multiline);

    private static async Task<JsonNode> ServiceAsync(GraphQLClient admin, string id) =>
        (await admin.DataAsync("query($id: ID!) { service(id: $id) { revision spec { image } latestDeployment { kind status } } }", new { id }))["service"]!;

    private static (int Revision, string Image, string Kind, string Status) Facts(JsonNode service) => (
        service["revision"]!.GetValue<int>(),
        service["spec"]!["image"]!.GetValue<string>(),
        service["latestDeployment"]!["kind"]!.GetValue<string>(),
        service["latestDeployment"]!["status"]!.GetValue<string>());

    /// <summary>The environment of the service's running container of that revision, as the engine has it.</summary>
    private async Task<IList<string>> ContainerEnvAsync(string serviceId, int revision)
    {
        var filters = new Dictionary<string, IDictionary<string, bool>>
        {
            ["label"] = new Dictionary<string, bool> { [$"io.privatenexus.service={serviceId}"] = true, [$"io.privatenexus.revision={revision}"] = true },
            ["status"] = new Dictionary<string, bool> { ["running"] = true },
        };
        var running = await app.Docker.Containers.ListContainersAsync(new ContainersListParameters { Filters = filters }, TestContext.Current.CancellationToken);
        var container = Assert.Single(running);
        var inspected = await app.Docker.Containers.InspectContainerAsync(container.ID, TestContext.Current.CancellationToken);
        return inspected.Config?.Env ?? [];
    }
}
