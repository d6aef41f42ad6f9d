namespace PrivateNexus.Tests.Authorization;

/// <summary>
/// A session signed in with only <c>api:read</c> (the code flow lets a client ask for fewer scopes) holds
/// a read-only credential: it must not turn itself into one that can write.
/// </summary>
public abstract partial class AuthorizationMatrix
{
    [Fact]
    public async Task A_read_only_session_cannot_mint_a_personal_token_that_can_write()
    {
        var world = await AuthzWorld.ForAsync(App);
        var email = $"{world.Fresh.Name("readonly")}@example.test";
        await world.Root.DataAsync(
            "mutation($e: String!, $p: String!) { createUser(input: { email: $e, password: $p }) { user { id } } }",
            new { e = email, p = AuthzWorld.Password });
        await world.Fresh.MemberAsync(world.ClientA, "OWNER", email);
        var session = App.WithToken((await App.SignInAsync(email, AuthzWorld.Password, "openid api:read")).AccessToken);

        // The session is read-only indeed: it reads its client, and a write of its role is refused for scope.
        await session.DataAsync("query($id: ID!) { client(id: $id) { id } }", new { id = world.ClientA });
        Assert.Equal("FORBIDDEN", (await session.SendAsync("mutation($c: ID!) { addMember(clientId: $c, email: \"x@example.test\", role: VIEWER) { invitationUrl } }", new { c = world.ClientA })).ErrorCode);

        var minted = await session.SendAsync("mutation { createApiToken(input: { name: \"escalate\", scopes: [\"api:read\", \"api:write\"] }) { secret } }");

        if (minted.Errors is null)
        {
            // Say in the failure how far the escalation goes: the minted token writes what the session could not.
            var written = await App.WithToken(minted.Data!["createApiToken"]!.Str("secret")).SendAsync(
                "mutation($c: ID!) { addMember(clientId: $c, email: \"escalated@example.test\", role: VIEWER) { membership { role } } }",
                new { c = world.ClientA });
            Assert.Fail($"A read-only session minted a token ({minted}); with it, addMember answered: {written}");
        }

        Assert.Equal("FORBIDDEN", minted.ErrorCode);
    }
}
