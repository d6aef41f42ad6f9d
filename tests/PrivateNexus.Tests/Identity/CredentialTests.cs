using System.Net;
using PrivateNexus.Tests.Infrastructure;

namespace PrivateNexus.Tests.Identity;

/// <summary>Credentials for scripts and systems: personal API tokens and client-credentials applications.</summary>
public abstract class CredentialTests(PnxApp app) : AppTests(app)
{
    private const string CreateToken = "mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { secret apiToken { id prefix scopes expiresAt } } }";

    [Fact]
    public async Task Personal_api_token_is_shown_once_works_and_revokes()
    {
        var admin = await App.AdminAsync();
        var email = $"pat-{Guid.NewGuid():N}@example.test";
        await admin.CreateUserAsync(email);
        var user = App.WithToken((await App.SignInAsync(email, AdminActions.Password)).AccessToken);

        var created = (await user.DataAsync(CreateToken, new { input = new { name = "ci", expiresInDays = 7 } }))["createApiToken"]!;
        var secret = created["secret"]!.GetValue<string>();
        Assert.StartsWith("pnx_", secret, StringComparison.Ordinal);
        Assert.StartsWith(created["apiToken"]!["prefix"]!.GetValue<string>(), secret, StringComparison.Ordinal);

        var viaToken = App.WithToken(secret);
        Assert.Equal(email, (await viaToken.DataAsync("{ me { email } }"))["me"]!["email"]!.GetValue<string>());

        var listed = (await user.DataAsync("{ apiTokens { id name lastUsedAt revokedAt } }"))["apiTokens"]!.AsArray();
        var entry = Assert.Single(listed);
        Assert.NotNull(entry!["lastUsedAt"]);
        Assert.DoesNotContain(secret, listed.ToJsonString(), StringComparison.Ordinal);

        var id = created["apiToken"]!["id"]!.GetValue<string>();
        await user.DataAsync("mutation($id: ID!) { revokeApiToken(id: $id) { revokedAt } }", new { id });
        await user.DataAsync("mutation($id: ID!) { revokeApiToken(id: $id) { revokedAt } }", new { id });
        Assert.Equal(HttpStatusCode.Unauthorized, (await viaToken.SendAsync("{ me { id } }")).Status);
    }

    [Fact]
    public async Task Read_only_api_token_cannot_mutate()
    {
        var admin = await App.AdminAsync();
        var secret = (await admin.DataAsync(CreateToken, new { input = new { name = "read", scopes = new[] { "api:read" } } }))["createApiToken"]!["secret"]!.GetValue<string>();
        var reader = App.WithToken(secret);
        await reader.DataAsync("{ clients(first: 1) { totalCount } }");
        var refused = await reader.SendAsync("mutation { createClient(input: { name: \"x\", slug: \"never-created\" }) { id } }");
        Assert.Equal("FORBIDDEN", refused.ErrorCode);
        Assert.Contains("api:write", refused.Errors![0]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_api_token_is_401()
    {
        var result = await App.WithToken("pnx_this-token-does-not-exist").SendAsync("{ me { id } }");
        Assert.Equal(HttpStatusCode.Unauthorized, result.Status);
    }

    [Fact]
    public async Task Automation_client_bound_to_a_client_sees_only_that_client_until_revoked()
    {
        var admin = await App.AdminAsync();
        await admin.EnsureNodeAsync();
        var own = await admin.CreateClientAsync(Unique("app-own"));
        var other = await admin.CreateClientAsync(Unique("app-other"));
        var otherService = (await admin.CreateServiceAsync(other, "web"))["id"]!.GetValue<string>();
        var created = (await admin.DataAsync(
            "mutation($input: CreateAutomationClientInput!) { createAutomationClient(input: $input) { clientSecret automationClient { id clientId role } } }",
            new { input = new { name = "deployer", organisationId = own, role = "OWNER" } }))["createAutomationClient"]!;
        var clientId = created["automationClient"]!["clientId"]!.GetValue<string>();
        var secret = created["clientSecret"]!.GetValue<string>();

        var token = await ClientCredentialsAsync(clientId, secret);
        Assert.NotNull(token);
        var app = App.WithToken(token!);
        var service = await app.CreateServiceAsync(own, "api");
        Assert.Equal(1, service["revision"]!.GetValue<int>());
        Assert.Equal("NOT_FOUND", (await app.SendAsync("query($id: ID!) { service(id: $id) { id } }", new { id = otherService })).ErrorCode);
        Assert.Equal("NOT_FOUND", (await app.SendAsync("query($id: ID!) { client(id: $id) { id } }", new { id = other })).ErrorCode);
        var visible = (await app.DataAsync("{ clients(first: 100) { edges { node { id } } } }"))["clients"]!["edges"]!.AsArray();
        Assert.Equal(own, Assert.Single(visible)!["node"]!["id"]!.GetValue<string>());

        await admin.DataAsync("mutation($id: ID!) { revokeAutomationClient(id: $id) { revokedAt } }", new { id = created["automationClient"]!["id"]!.GetValue<string>() });
        Assert.Null(await ClientCredentialsAsync(clientId, secret));
        Assert.Equal("UNAUTHENTICATED", (await app.SendAsync("{ clients(first: 1) { totalCount } }")).ErrorCode);
    }

    [Fact]
    public async Task Wrong_client_secret_gets_no_token()
    {
        var admin = await App.AdminAsync();
        var created = (await admin.DataAsync(
            "mutation { createAutomationClient(input: { name: \"ops\", role: \"OPERATOR\" }) { automationClient { clientId } } }"))["createAutomationClient"]!;
        Assert.Null(await ClientCredentialsAsync(created["automationClient"]!["clientId"]!.GetValue<string>(), "not-the-secret"));
    }

    private async Task<string?> ClientCredentialsAsync(string clientId, string secret)
    {
        using var http = App.Http();
        var (_, body) = await OAuthFlow.TokenAsync(http, new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = clientId,
            ["client_secret"] = secret,
            ["scope"] = "api:read api:write",
        });
        return body["access_token"]?.GetValue<string>();
    }
}

public sealed class CredentialTestsOnSqlite(SqliteApp app) : CredentialTests(app);

public sealed class CredentialTestsOnPostgres(PostgresApp app) : CredentialTests(app);
