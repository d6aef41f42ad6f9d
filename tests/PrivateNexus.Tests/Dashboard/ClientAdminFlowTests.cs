using System.Text.Json.Nodes;
using Microsoft.Playwright;
using PrivateNexus.Tests.Engine;
using PrivateNexus.Tests.Infrastructure;

namespace PrivateNexus.Tests.Dashboard;

/// <summary>
/// The client page as an admin uses it, in headless Chromium: each change is read back through the
/// API, and suspending really stops the client's running service on the engine (resuming starts it).
/// </summary>
[Collection(nameof(DashboardCollection))]
public sealed class ClientAdminFlowTests(DashboardApp app)
{
    private static readonly LocatorAssertionsToBeVisibleOptions Long = new() { Timeout = 90_000 };

    [Fact]
    public async Task An_admin_edits_the_quota_suspends_and_resumes_the_client_and_adds_a_member_who_then_sees_it()
    {
        app.RequireAll();
        var admin = await app.AdminAsync();
        var slug = $"cl-{Guid.NewGuid():N}"[..12];
        var clientId = await admin.CreateClientAsync(slug, imagePolicy: ["pnx-test/*"]);
        var serviceId = await RunningServiceAsync(admin, clientId);
        var memberEmail = $"new-member-{Guid.NewGuid():N}@example.test";
        await admin.CreateUserAsync(memberEmail);

        var page = await app.NewPageAsync();
        await DashboardApp.SignInAsync(page, PnxApp.AdminEmail, PnxApp.AdminPassword, "/app/clients");
        await page.GetByPlaceholder("Search name or slug").FillAsync(slug);
        await page.GetByTestId("clients-table").GetByRole(AriaRole.Link, new() { Name = $"Client {slug}" }).ClickAsync();
        await page.WaitForURLAsync($"**/app/clients/{clientId}");
        await DashboardApp.WaitInteractiveAsync(page);

        // The form shows what is stored; quota and policy are saved, read back through the API, and
        // still there when the page is opened again.
        var policy = page.GetByLabel("Allowed images (one pattern per line, * matches anything)");
        await Assertions.Expect(policy).ToHaveValueAsync("pnx-test/*");
        await page.GetByLabel("Services (max)").FillAsync("7");
        await page.GetByLabel("CPU (millicores)").FillAsync("3000");
        await page.GetByLabel("Memory (MiB)").FillAsync("2048");
        await policy.FillAsync("pnx-test/*\nregistry.example/*");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save", Exact = true }).ClickAsync();
        await MudUi.SnackbarAsync(page, "Saved.");
        var saved = await ClientAsync(admin, clientId);
        var quota = saved["quota"]!;
        Assert.Equal((7, 3000, 2048), (quota["services"]!.GetValue<int>(), quota["cpuMillicores"]!.GetValue<int>(), quota["memoryMiB"]!.GetValue<int>()));
        Assert.Equal(["pnx-test/*", "registry.example/*"], saved["imagePolicy"]!.AsArray().Select(p => p!.GetValue<string>()));
        await page.ReloadAsync();
        await DashboardApp.WaitInteractiveAsync(page);
        await Assertions.Expect(page.GetByLabel("CPU (millicores)")).ToHaveValueAsync("3000");
        await Assertions.Expect(policy).ToHaveValueAsync("pnx-test/*\nregistry.example/*");

        // Suspend asks first; then the client is suspended and its running service stops on the engine.
        var status = page.GetByTestId("client-status");
        await Assertions.Expect(status).ToHaveTextAsync("Active");
        await page.GetByTestId("client-suspend").ClickAsync();
        await MudUi.AnswerAsync(page, $"Suspend 'Client {slug}'?", "Suspend");
        await MudUi.SnackbarAsync(page, "Suspended.");
        await Assertions.Expect(status).ToHaveTextAsync("Suspended");
        Assert.Equal("SUSPENDED", (await ClientAsync(admin, clientId))["status"]!.GetValue<string>());
        await UntilStatusAsync(admin, serviceId, "STOPPED");

        // Resume: active again, and the service runs again.
        await page.GetByTestId("client-resume").ClickAsync();
        await MudUi.AnswerAsync(page, $"Resume 'Client {slug}'?", "Resume");
        await MudUi.SnackbarAsync(page, "Resumed.");
        await Assertions.Expect(status).ToHaveTextAsync("Active");
        Assert.Equal("ACTIVE", (await ClientAsync(admin, clientId))["status"]!.GetValue<string>());
        await UntilStatusAsync(admin, serviceId, "RUNNING");

        // A member with a role other than the default one.
        await page.GetByLabel("E-mail").FillAsync(memberEmail);
        await MudUi.ChooseAsync(page.GetByLabel("Role", new() { Exact = true }), "Viewer");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add", Exact = true }).ClickAsync();
        await MudUi.SnackbarAsync(page, "Member added.");
        await Assertions.Expect(page.GetByTestId("members")).ToContainTextAsync(memberEmail);
        var members = (await ClientAsync(admin, clientId))["members"]!.AsArray();
        Assert.Contains(members, m => m!["user"]!["email"]!.GetValue<string>() == memberEmail && m["role"]!.GetValue<string>() == "VIEWER");
        await page.Context.CloseAsync();

        // The member signs in and sees the client's service, named with the client.
        var memberPage = await app.NewPageAsync();
        await DashboardApp.SignInAsync(memberPage, memberEmail, AdminActions.Password, "/app/services");
        var row = memberPage.GetByTestId("services-table").GetByRole(AriaRole.Row).Filter(new() { HasText = "worker" });
        await Assertions.Expect(row).ToContainTextAsync($"Client {slug}", new() { Timeout = Long.Timeout });

        // A viewer: no actions on the service.
        await row.GetByRole(AriaRole.Link, new() { Name = "worker" }).ClickAsync();
        await Assertions.Expect(memberPage.GetByTestId("service-name")).ToHaveTextAsync("worker");
        await Assertions.Expect(memberPage.GetByRole(AriaRole.Group, new() { Name = "Service actions" }).GetByRole(AriaRole.Button)).ToHaveCountAsync(0);
        await memberPage.Context.CloseAsync();
    }

    private static async Task<JsonNode> ClientAsync(GraphQLClient admin, string id) =>
        (await admin.DataAsync("query($id: ID!) { client(id: $id) { status imagePolicy quota { services cpuMillicores memoryMiB } members { role user { email } } } }", new { id }))["client"]!;

    private static async Task<string> RunningServiceAsync(GraphQLClient admin, string clientId)
    {
        var spec = new { image = EngineApp.Image, command = BusyboxCommands.Idle, cpuMillicores = 50, memoryMiB = 16 };
        var created = await admin.DataAsync("mutation($input: CreateServiceInput!) { createService(input: $input) { id } }", new { input = new { clientId, name = "worker", spec } });
        var id = created["createService"]!["id"]!.GetValue<string>();
        await UntilStatusAsync(admin, id, "RUNNING");
        return id;
    }

    private static async Task UntilStatusAsync(GraphQLClient admin, string id, string expected)
    {
        var last = "";
        var reached = await Eventually.TrueAsync(
            async () =>
            {
                last = (await admin.DataAsync("query($id: ID!) { service(id: $id) { status } }", new { id }))["service"]!["status"]!.GetValue<string>();
                return last == expected;
            },
            TimeSpan.FromSeconds(90));
        Assert.True(reached, $"The service did not become {expected}; last {last}.");
    }
}
