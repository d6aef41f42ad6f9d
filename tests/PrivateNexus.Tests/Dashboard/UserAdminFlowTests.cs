using System.Text.Json.Nodes;
using Microsoft.Playwright;
using PrivateNexus.Tests.Infrastructure;

namespace PrivateNexus.Tests.Dashboard;

/// <summary>
/// The users page as an admin uses it, in headless Chromium, with the invited person in a browser of
/// their own: the invitation link works, a new platform role applies, and a disabled account is shut
/// out of the dashboard — its open page and any new sign-in. Each change is read back through the API.
/// </summary>
[Collection(nameof(DashboardCollection))]
public sealed class UserAdminFlowTests(DashboardApp app)
{
    [Fact]
    public async Task An_admin_invites_a_user_changes_their_platform_role_and_disables_them_who_then_cannot_sign_in()
    {
        app.RequireAll();
        var admin = await app.AdminAsync();
        var email = $"invitee-{Guid.NewGuid():N}@example.test";

        var page = await app.NewPageAsync();
        await DashboardApp.SignInAsync(page, PnxApp.AdminEmail, PnxApp.AdminPassword, "/app/users");
        await page.GetByRole(AriaRole.Button, new() { Name = "Invite" }).ClickAsync();
        await page.GetByLabel("E-mail").FillAsync(email);
        await page.GetByLabel("Name (optional)").FillAsync("Ivy Invitee");
        await page.GetByRole(AriaRole.Button, new() { Name = "Send invitation" }).ClickAsync();
        await MudUi.SnackbarAsync(page, "Invited.");
        var link = await page.GetByTestId("invitation-link").InnerTextAsync();
        var user = await UserAsync(admin, email);
        Assert.Equal(("Ivy Invitee", "NONE", "ACTIVE"), (user["displayName"]!.GetValue<string>(), user["platformRole"]!.GetValue<string>(), user["status"]!.GetValue<string>()));

        var row = page.GetByTestId("users-table").GetByRole(AriaRole.Row).Filter(new() { HasText = email });
        await page.GetByPlaceholder("Search e-mail or name").FillAsync(email);
        await Assertions.Expect(row).ToContainTextAsync("active");
        await Assertions.Expect(row).ToContainTextAsync("never");

        // The invited person follows the link in their own browser, chooses a password and signs in.
        var invitee = await app.NewPageAsync();
        await invitee.GotoAsync(link);
        await invitee.FillAsync("#password", AdminActions.Password);
        await invitee.ClickAsync("button[type=submit]");
        await Assertions.Expect(invitee.GetByRole(AriaRole.Status)).ToContainTextAsync("Your password is set.");
        await DashboardApp.SignInAsync(invitee, email, AdminActions.Password);
        await Assertions.Expect(invitee.GetByRole(AriaRole.Link, new() { Name = "Nodes" })).ToHaveCountAsync(0);

        // Operator: the API says so, and the invitee's next page shows what operators see.
        await MudUi.ChooseAsync(row.GetByLabel("Platform role"), "Operator");
        await MudUi.SnackbarAsync(page, "Role changed.");
        Assert.Equal("OPERATOR", (await UserAsync(admin, email))["platformRole"]!.GetValue<string>());
        await invitee.GotoAsync("/app/nodes");
        await DashboardApp.WaitInteractiveAsync(invitee);
        await Assertions.Expect(invitee.GetByRole(AriaRole.Heading, new() { Name = "Nodes", Exact = true })).ToBeVisibleAsync();
        await Assertions.Expect(invitee.GetByTestId("node-card").First).ToBeVisibleAsync();

        // Disabled, after a confirmation.
        await row.GetByRole(AriaRole.Button, new() { Name = "Disable" }).ClickAsync();
        await MudUi.AnswerAsync(page, $"Disable {email}?", "Disable");
        await MudUi.SnackbarAsync(page, "Disabled.");
        await Assertions.Expect(row).ToContainTextAsync("disabled");
        await Assertions.Expect(row.GetByRole(AriaRole.Button, new() { Name = "Enable" })).ToBeVisibleAsync();
        Assert.Equal("DISABLED", (await UserAsync(admin, email))["status"]!.GetValue<string>());

        // The invitee's open page says the session has ended at their next step; reloading leads to the
        // sign-in page (the dashboard session is gone with the account), which refuses the account.
        await invitee.GetByRole(AriaRole.Link, new() { Name = "Services", Exact = true }).ClickAsync();
        await Assertions.Expect(invitee.GetByRole(AriaRole.Alert).Filter(new() { HasText = "Your session has ended" })).ToBeVisibleAsync();
        await invitee.ReloadAsync();
        await invitee.WaitForURLAsync("**/account/login**");
        await invitee.FillAsync("#email", email);
        await invitee.FillAsync("#password", AdminActions.Password);
        await invitee.ClickAsync("button[type=submit]");
        await Assertions.Expect(invitee.GetByRole(AriaRole.Alert)).ToHaveTextAsync("Wrong e-mail or password.");
        Assert.Contains("/account/login", invitee.Url, StringComparison.Ordinal);
        await invitee.Context.CloseAsync();
        await page.Context.CloseAsync();
    }

    private static async Task<JsonNode> UserAsync(GraphQLClient admin, string email)
    {
        var users = (await admin.DataAsync("query($s: String) { users(search: $s) { items { email displayName platformRole status } } }", new { s = email }))["users"]!["items"]!.AsArray();
        return Assert.Single(users, u => u!["email"]!.GetValue<string>() == email)!;
    }
}
