using System.Text.Json.Nodes;
using Microsoft.Playwright;
using PrivateNexus.Tests.Engine;
using PrivateNexus.Tests.Infrastructure;

namespace PrivateNexus.Tests.Dashboard;

/// <summary>
/// The nodes page as an admin uses it, in headless Chromium, on a node of its own: added through the
/// page against the real test engine (so draining it never holds up the other tests' deployments,
/// which go to the fixture's node), tested, drained, undrained and removed. Each change is read back
/// through the API; the engine version shown is the engine's own.
/// </summary>
[Collection(nameof(DashboardCollection))]
public sealed class NodeAdminFlowTests(DashboardApp app)
{
    private static readonly LocatorAssertionsToBeVisibleOptions Long = new() { Timeout = 90_000 };

    [Fact]
    public async Task An_admin_adds_tests_drains_undrains_and_removes_a_node()
    {
        app.RequireAll();
        var admin = await app.AdminAsync();
        var name = $"extra-{Guid.NewGuid():N}"[..12];
        var engineVersion = (await app.Docker.System.GetVersionAsync(TestContext.Current.CancellationToken)).Version;

        var page = await app.NewPageAsync();
        await DashboardApp.SignInAsync(page, PnxApp.AdminEmail, PnxApp.AdminPassword, "/app/nodes");
        await page.GetByTestId("new-node").ClickAsync();
        await page.FillAsync("#node-name", name);
        await page.FillAsync("#node-endpoint", app.Endpoint!);
        await page.GetByTestId("node-form").GetByRole(AriaRole.Button, new() { Name = "Add node" }).ClickAsync();
        await MudUi.SnackbarAsync(page, "Node added");
        var nodeId = (await NodeAsync(admin, name))!["id"]!.GetValue<string>();

        // Its agent connects: online, with what the engine reports about itself (live, no reload).
        var card = page.GetByTestId("node-card").Filter(new() { HasText = name });
        await Assertions.Expect(card.GetByTestId("node-status")).ToHaveTextAsync("Online", new() { Timeout = Long.Timeout });
        await Assertions.Expect(card).ToContainTextAsync($"Docker {engineVersion} (API");

        // Test: the engine answers now.
        await card.GetByRole(AriaRole.Button, new() { Name = "Test" }).ClickAsync();
        await Assertions.Expect(card.GetByRole(AriaRole.Status)).ToHaveTextAsync($"Reachable: Docker {engineVersion}");

        // Drain asks first; then the card says so and the API reports the node drained.
        await card.GetByRole(AriaRole.Button, new() { Name = "Drain" }).ClickAsync();
        await MudUi.AnswerAsync(page, $"Drain {name}? It keeps its services but takes no new ones.", "Drain");
        await MudUi.SnackbarAsync(page, "Drained.");
        await Assertions.Expect(card).ToContainTextAsync("drained: takes no new services");
        Assert.True((await NodeAsync(admin, name))!["drained"]!.GetValue<bool>());

        // A service asked to go there is refused while it is drained.
        var clientId = await admin.CreateClientAsync($"drn-{Guid.NewGuid():N}"[..12]);
        var refused = await admin.SendAsync(
            "mutation($input: CreateServiceInput!) { createService(input: $input) { id } }",
            new { input = new { clientId, name = "web", nodeId, desiredState = "STOPPED", spec = new { image = EngineApp.Image, cpuMillicores = 50, memoryMiB = 16 } } });
        Assert.Equal("nodeId", refused.ErrorField);

        // Undrain: takes services again.
        await card.GetByRole(AriaRole.Button, new() { Name = "Undrain" }).ClickAsync();
        await MudUi.AnswerAsync(page, $"Let {name} take new services again?", "Undrain");
        await MudUi.SnackbarAsync(page, "Undrained.");
        await Assertions.Expect(card).Not.ToContainTextAsync("drained");
        await Assertions.Expect(card.GetByRole(AriaRole.Button, new() { Name = "Drain" })).ToBeVisibleAsync();
        Assert.False((await NodeAsync(admin, name))!["drained"]!.GetValue<bool>());

        // Removed (it has no services): gone from the page and from the API.
        await card.GetByRole(AriaRole.Button, new() { Name = "Remove" }).ClickAsync();
        await MudUi.AnswerAsync(page, $"Remove {name}?", "Remove");
        await MudUi.SnackbarAsync(page, "Node removed.");
        await Assertions.Expect(card).ToHaveCountAsync(0);
        Assert.Null(await NodeAsync(admin, name));
        await page.Context.CloseAsync();
    }

    private static async Task<JsonNode?> NodeAsync(GraphQLClient admin, string name) =>
        (await admin.DataAsync("{ nodes { id name drained } }"))["nodes"]!.AsArray().SingleOrDefault(n => n!["name"]!.GetValue<string>() == name);
}
