using Microsoft.Playwright;
using PrivateNexus.Tests.Engine;
using PrivateNexus.Tests.Infrastructure;

namespace PrivateNexus.Tests.Dashboard;

/// <summary>
/// The dashboard end to end in headless Chromium, against the real server and Docker engine: what a
/// client's people and the provider's staff do with it, and that it stays live without reloading.
/// </summary>
[Collection(nameof(DashboardCollection))]
public sealed class DashboardFlowTests(DashboardApp app)
{
    private static readonly LocatorAssertionsToBeVisibleOptions Long = new() { Timeout = 90_000 };

    [Fact]
    public async Task A_client_member_sees_only_their_services_deploys_one_watches_it_go_live_reads_its_logs_and_stops_it()
    {
        app.RequireAll();
        var admin = await app.AdminAsync();
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var mine = await admin.CreateClientAsync($"mine-{suffix}", imagePolicy: ["pnx-test/*"]);
        var theirs = await admin.CreateClientAsync($"theirs-{suffix}");
        await CreateStoppedServiceAsync(admin, mine, "existing");
        await CreateStoppedServiceAsync(admin, theirs, "not-yours");
        var email = await app.MemberEmailAsync(mine, "OWNER");

        var page = await app.NewPageAsync();
        await DashboardApp.SignInAsync(page, email, AdminActions.Password, "/app/services");
        var table = page.GetByTestId("services-table");
        await Assertions.Expect(table.GetByText("existing")).ToBeVisibleAsync();
        await Assertions.Expect(table.GetByText("not-yours")).ToHaveCountAsync(0);
        await DashboardBrowser.ScreenshotAsync(page, "services");

        await page.GetByTestId("deploy-service").ClickAsync();
        await page.WaitForURLAsync("**/app/services/new**");
        await DashboardApp.WaitInteractiveAsync(page);
        await page.FillAsync("#service-name", "web");
        await page.FillAsync("#service-image", EngineApp.Image);
        await page.FillAsync("#service-command", "sh\n-c\nwhile true; do echo pnx-log-line; sleep 1; done");
        await page.FillAsync("#service-cpu", "100");
        await page.FillAsync("#service-memory", "32");
        await DashboardBrowser.ScreenshotAsync(page, "deploy-form");
        await page.GetByTestId("service-submit").ClickAsync();

        // The service page opens at once; the status turns Running as the node reports it, without a reload.
        await page.WaitForURLAsync(url => System.Text.RegularExpressions.Regex.IsMatch(url, "/app/services/[0-9a-f-]{36}$"));
        var status = page.GetByTestId("service-status");
        await Assertions.Expect(page.Locator("[data-testid=service-status][data-status=Running]")).ToBeVisibleAsync(Long);
        await Assertions.Expect(page.GetByTestId("instances").GetByTestId("instance-state").First).ToHaveTextAsync("running");
        await DashboardBrowser.ScreenshotAsync(page, "service");

        await page.GetByRole(AriaRole.Tab, new() { Name = "Logs" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("log-lines").GetByText("pnx-log-line").First).ToBeVisibleAsync(Long);
        await DashboardBrowser.ScreenshotAsync(page, "logs");

        // No Prometheus on this server: the metrics tab says so rather than failing.
        await page.GetByRole(AriaRole.Tab, new() { Name = "Metrics" }).ClickAsync();
        await Assertions.Expect(page.GetByText("Metrics are not configured on this server.")).ToBeVisibleAsync();

        await page.GetByRole(AriaRole.Tab, new() { Name = "Instances" }).ClickAsync();
        await page.GetByTestId("action-stop").ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Stop" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=service-status][data-status=Stopped]")).ToBeVisibleAsync(Long);
        Assert.Equal("Stopped", await status.GetAttributeAsync("data-status"));

        // Every deployment of the client's services, and none of another client's.
        await page.GetByRole(AriaRole.Link, new() { Name = "Deployments" }).ClickAsync();
        var deployments = page.GetByTestId("deployments-table");
        await Assertions.Expect(deployments.GetByRole(AriaRole.Link, new() { Name = "web" }).First).ToBeVisibleAsync();
        await Assertions.Expect(deployments.GetByText("not-yours")).ToHaveCountAsync(0);
        await DashboardBrowser.ScreenshotAsync(page, "deployments");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_policy_violation_shows_on_the_field_it_is_about()
    {
        app.RequireAll();
        var admin = await app.AdminAsync();
        var client = await admin.CreateClientAsync($"strict-{Guid.NewGuid():N}"[..14], imagePolicy: ["pnx-test/*"]);
        var email = await app.MemberEmailAsync(client, "OWNER");

        var page = await app.NewPageAsync();
        await DashboardApp.SignInAsync(page, email, AdminActions.Password, $"/app/services/new?client={client}");
        await page.FillAsync("#service-name", "evil");
        await page.FillAsync("#service-image", "docker.io/evil/miner:1");
        await page.GetByTestId("service-submit").ClickAsync();

        // On the image field itself, not a banner; and nothing was created.
        var form = page.GetByTestId("service-form");
        await Assertions.Expect(form.GetByText("is not allowed by the client's image policy")).ToBeVisibleAsync();
        Assert.EndsWith("/app/services/new?client=" + client, page.Url, StringComparison.Ordinal);
        await DashboardBrowser.ScreenshotAsync(page, "policy-violation");

        // A rule only the server checks (the provider's host-port range) lands on its field too.
        await page.FillAsync("#service-image", EngineApp.Image);
        await page.GetByRole(AriaRole.Button, new() { Name = "Add port" }).ClickAsync();
        await page.GetByLabel("Host port (optional)").FillAsync("80");
        await page.GetByTestId("service-submit").ClickAsync();
        await Assertions.Expect(form.GetByText("is outside the range")).ToBeVisibleAsync();
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task An_admin_adds_a_client()
    {
        app.RequireAll();
        var slug = $"acme-{Guid.NewGuid():N}"[..12];
        var page = await app.NewPageAsync();
        await DashboardApp.SignInAsync(page, PnxApp.AdminEmail, PnxApp.AdminPassword);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "What needs attention" })).ToBeVisibleAsync();
        await DashboardBrowser.ScreenshotAsync(page, "home");

        await page.GetByRole(AriaRole.Link, new() { Name = "Clients" }).ClickAsync();
        await page.WaitForURLAsync("**/app/clients");
        await page.GetByTestId("new-client").ClickAsync();
        await page.FillAsync("#client-name", "Acme Hosting");
        await page.FillAsync("#client-slug", slug);

        // The policy starts as "anything" (the form once showed its field's name instead).
        await Assertions.Expect(page.Locator("#client-image-policy")).ToHaveValueAsync("*");
        await page.FillAsync("#client-image-policy", "pnx-test/*\nregistry.example/*");
        await page.GetByTestId("client-create").ClickAsync();

        await page.WaitForURLAsync(url => System.Text.RegularExpressions.Regex.IsMatch(url, "/app/clients/[0-9a-f-]{36}$"));
        await Assertions.Expect(page.GetByTestId("client-name")).ToHaveTextAsync("Acme Hosting");
        await page.GetByRole(AriaRole.Link, new() { Name = "Clients" }).ClickAsync();
        await page.GetByPlaceholder("Search name or slug").FillAsync(slug);
        await Assertions.Expect(page.GetByTestId("clients-table").GetByText(slug)).ToBeVisibleAsync();
        await DashboardBrowser.ScreenshotAsync(page, "clients");

        // The same slug again: refused on the slug field.
        await page.GetByTestId("new-client").ClickAsync();
        await page.FillAsync("#client-name", "Acme again");
        await page.FillAsync("#client-slug", slug);
        await page.GetByTestId("client-create").ClickAsync();
        await Assertions.Expect(page.GetByTestId("client-form").GetByText("already exists")).ToBeVisibleAsync();
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Every_staff_page_opens_without_an_error_and_the_node_shows_online()
    {
        app.RequireAll();
        var page = await app.NewPageAsync();
        await DashboardApp.SignInAsync(page, PnxApp.AdminEmail, PnxApp.AdminPassword, "/app/nodes");
        await Assertions.Expect(page.Locator("[data-testid=node-status]", new() { HasText = "Online" }).First).ToBeVisibleAsync(Long);
        await DashboardBrowser.ScreenshotAsync(page, "nodes");

        foreach (var (path, heading, shot) in new[] { ("/app/users", "Users", "users"), ("/app/audit", "Audit log", "audit"), ("/app/account", "My account", "account"), ("/app/alerts", "Alerts", null), ("/app/services", "Services", null) })
        {
            await page.GotoAsync(path);
            await DashboardApp.WaitInteractiveAsync(page);
            await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = heading, Exact = true })).ToBeVisibleAsync();
            await Assertions.Expect(page.Locator(".mud-alert-text-error")).ToHaveCountAsync(0);
            if (shot is not null)
            {
                await DashboardBrowser.ScreenshotAsync(page, shot);
            }
        }

        // By keyboard alone: Tab reaches "Deploy a service" on the services page, Enter opens the form.
        var reached = false;
        for (var i = 0; i < 40 && !reached; i++)
        {
            await page.Keyboard.PressAsync("Tab");
            reached = await page.EvaluateAsync<bool>("() => document.activeElement?.getAttribute('data-testid') === 'deploy-service'");
        }

        Assert.True(reached, "Tab never reached 'Deploy a service'.");
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForURLAsync("**/app/services/new**");

        // My account: a personal API token is shown once, and it works on the API.
        await page.GotoAsync("/app/account");
        await DashboardApp.WaitInteractiveAsync(page);
        await page.GetByLabel("Name").FillAsync("ci-token");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create token" }).ClickAsync();
        var secret = await page.GetByTestId("token-secret").InnerTextAsync();
        var me = await app.WithToken(secret).DataAsync("{ me { email } }");
        Assert.Equal(PnxApp.AdminEmail, me["me"]!["email"]!.GetValue<string>());

        // A phone: the menu folds away and the table stacks its cells.
        await page.SetViewportSizeAsync(390, 844);
        await page.GotoAsync("/app/services");
        await DashboardApp.WaitInteractiveAsync(page);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Services", Exact = true })).ToBeVisibleAsync();
        await DashboardBrowser.ScreenshotAsync(page, "services-phone");

        // Signing out ends both sessions: the next visit asks for the password again.
        await page.SetViewportSizeAsync(1280, 800);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await page.WaitForURLAsync("**/account/login**");
        await page.GotoAsync("/app/services");
        await page.WaitForURLAsync("**/account/login**");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task An_open_page_follows_changes_made_elsewhere_and_stops_showing_a_client_once_access_is_taken_away()
    {
        app.RequireAll();
        var admin = await app.AdminAsync();
        var client = await admin.CreateClientAsync($"live-{Guid.NewGuid():N}"[..12]);
        var email = $"viewer-{Guid.NewGuid():N}@example.test";
        var userId = await admin.CreateUserAsync(email);
        await admin.AddMemberAsync(client, email, "VIEWER");
        await CreateStoppedServiceAsync(admin, client, "first");

        var page = await app.NewPageAsync();
        await DashboardApp.SignInAsync(page, email, AdminActions.Password, "/app/services");
        var table = page.GetByTestId("services-table");
        await Assertions.Expect(table.GetByText("first")).ToBeVisibleAsync();

        // Made through the API by someone else: the open list shows it without a reload.
        await CreateStoppedServiceAsync(admin, client, "second");
        await Assertions.Expect(table.GetByText("second")).ToBeVisibleAsync();

        // Access taken away: the next change of that client empties the open page instead of updating it.
        await admin.DataAsync("mutation($c: ID!, $u: ID!) { removeMember(clientId: $c, userId: $u) }", new { c = client, u = userId });
        await CreateStoppedServiceAsync(admin, client, "third");
        await Assertions.Expect(table.GetByText("first")).ToHaveCountAsync(0);
        await Assertions.Expect(table.GetByText("third")).ToHaveCountAsync(0);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Home_shows_a_client_member_their_clients_firing_alert_live_and_not_another_clients()
    {
        app.RequireAll();
        var admin = await app.AdminAsync();
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var mine = await admin.CreateClientAsync($"amine-{suffix}");
        var theirs = await admin.CreateClientAsync($"atheirs-{suffix}");
        await CreateStoppedServiceAsync(admin, mine, "web");
        await CreateStoppedServiceAsync(admin, theirs, "web");
        var email = await app.MemberEmailAsync(mine, "MEMBER");

        var page = await app.NewPageAsync();
        await DashboardApp.SignInAsync(page, email, AdminActions.Password);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "What needs attention" })).ToBeVisibleAsync();

        // A quota rule any client with a service passes, for=0s: it fires at the next evaluation (every second here).
        // The other client's fires first, so the open page's reload for ours has seen it too.
        await QuotaRuleAsync(admin, theirs, $"theirs-quota-{suffix}");
        Assert.True(await Eventually.TrueAsync(async () => await FiringAsync(admin, theirs), TimeSpan.FromSeconds(30)), "the other client's alert fires");
        await QuotaRuleAsync(admin, mine, $"mine-quota-{suffix}");

        var alerts = page.GetByTestId("attention-section").Filter(new() { HasText = "Firing alerts" });
        var item = alerts.GetByTestId("attention-item").Filter(new() { HasText = $"mine-quota-{suffix}" });
        await Assertions.Expect(item).ToBeVisibleAsync(Long);
        await Assertions.Expect(item).ToContainTextAsync("Warning, firing since");
        await Assertions.Expect(item.GetByRole(AriaRole.Link)).ToHaveAttributeAsync("href", $"/app/services?client={mine}");
        await Assertions.Expect(page.GetByText($"theirs-quota-{suffix}")).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByText($"atheirs-{suffix}")).ToHaveCountAsync(0);

        // The alerts page lists the same, and only the same.
        await page.GetByRole(AriaRole.Link, new() { Name = "Alerts", Exact = true }).ClickAsync();
        await page.WaitForURLAsync("**/app/alerts");
        var table = page.GetByTestId("alerts-table");
        await Assertions.Expect(table.GetByText($"mine-quota-{suffix}")).ToBeVisibleAsync();
        await Assertions.Expect(table.GetByTestId("alert-state")).ToHaveTextAsync(["Firing"]);
        await Assertions.Expect(table.GetByText($"theirs-quota-{suffix}")).ToHaveCountAsync(0);
        await page.Context.CloseAsync();

        static Task QuotaRuleAsync(GraphQLClient admin, string clientId, string name) =>
            admin.DataAsync(
                "mutation($input: CreateAlertRuleInput!) { createAlertRule(input: $input) { id } }",
                new { input = new { clientId, name, kind = "QUOTA_NEARLY_USED", threshold = 0.001, @for = "0s" } });

        static async Task<bool> FiringAsync(GraphQLClient admin, string clientId) =>
            (await admin.DataAsync("query($c: ID) { alerts(clientId: $c, state: FIRING) { items { id } } }", new { c = clientId }))["alerts"]!["items"]!.AsArray().Count > 0;
    }

    private static Task<System.Text.Json.Nodes.JsonNode> CreateStoppedServiceAsync(GraphQLClient admin, string clientId, string name) =>
        admin.DataAsync(
            "mutation($input: CreateServiceInput!) { createService(input: $input) { id } }",
            new { input = new { clientId, name, desiredState = "STOPPED", spec = new { image = EngineApp.Image, cpuMillicores = 50, memoryMiB = 16 } } });
}
