using System.Net;

namespace PrivateNexus.Tests.Authorization;

/// <summary>A revoked credential is refused at once, and says why: UNAUTHENTICATED, so a client knows to sign in again.</summary>
public abstract partial class AuthorizationMatrix
{
    [Fact]
    public async Task A_revoked_personal_token_is_refused_as_unauthenticated()
    {
        var world = await AuthzWorld.ForAsync(App);
        var owner = world.As(Caller.Owner);
        var created = (await owner.DataAsync(
            "mutation { createApiToken(input: { name: \"revoked\", expiresInDays: 1 }) { apiToken { id } secret } }"))["createApiToken"]!;
        var token = App.WithToken(created.Str("secret"));
        await token.DataAsync("{ me { id } }");

        await owner.DataAsync("mutation($id: ID!) { revokeApiToken(id: $id) { id } }", new { id = created["apiToken"]!.Str("id") });
        var after = await token.SendAsync("{ me { id } }");

        Assert.Equal(HttpStatusCode.Unauthorized, after.Status);
        Assert.True(after.ErrorCode == "UNAUTHENTICATED", $"Expected UNAUTHENTICATED, got {after}");
    }

    [Fact]
    public async Task A_revoked_automation_client_is_refused_as_unauthenticated()
    {
        var world = await AuthzWorld.ForAsync(App);
        var app = await world.Fresh.AutomationClientAsync(world.ClientA, "VIEWER");
        var token = App.WithToken(await world.ClientCredentialsTokenAsync(app.ClientId, app.Secret));
        await token.DataAsync("query($id: ID!) { client(id: $id) { id } }", new { id = world.ClientA });

        await world.Root.DataAsync("mutation($id: ID!) { revokeAutomationClient(id: $id) { id } }", new { id = app.Id });
        var after = await token.SendAsync("query($id: ID!) { client(id: $id) { id } }", new { id = world.ClientA });

        Assert.True(after.ErrorCode == "UNAUTHENTICATED", $"Expected UNAUTHENTICATED, got {after}");
    }
}
