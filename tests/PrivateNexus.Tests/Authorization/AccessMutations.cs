using static PrivateNexus.Tests.Authorization.Effects;

namespace PrivateNexus.Tests.Authorization;

/// <summary>How the matrix tries the mutations of credentials: personal API tokens and automation clients.</summary>
internal static class AccessMutations
{
    public static readonly Dictionary<string, Func<MatrixContext, Task<Attempt>>> All = new()
    {
        ["createApiToken"] = _ => Task.FromResult(new Attempt(
            "mutation { createApiToken(input: { name: \"matrix\", scopes: [\"api:read\"], expiresInDays: 1 }) { secret } }")
        {
            Check = Expect(d => Assert.StartsWith("pnx_", d["createApiToken"]!.Str("secret"), StringComparison.Ordinal)),
        }),

        // "Own": a token the caller has just made for itself (refused callers aim at a spare token of the
        // owner of A, whose read-only token is one of them). "Other": a token of the bootstrap admin.
        // Whether the token still works is what a refusal must leave unchanged.
        ["revokeApiToken"] = async c =>
        {
            var (id, secret) = c.Tenant == Tenant.Other ? c.World.ForeignToken
                : c.Succeeds ? await CreateOwnTokenAsync(c) : c.World.OwnersSpareToken;
            return new Attempt("mutation($id: ID!) { revokeApiToken(id: $id) { revokedAt } }", new { id })
            {
                Check = async d =>
                {
                    Assert.NotNull(d["revokeApiToken"]!["revokedAt"]);
                    await StopsWorkingAsync(c, secret);
                },
                Snapshot = Read(c.World.App.WithToken(secret), "{ me { id } }"),
            };
        },

        ["createAutomationClient"] = c => CreateAppAttempt(c, c.ClientId, "VIEWER"),

        // The escalation to guard against: an application acting for the whole platform as ADMIN.
        ["createAutomationClient(platform)"] = c => CreateAppAttempt(c, organisationId: null, "ADMIN"),

        ["revokeAutomationClient"] = c => RevokeAppAttemptAsync(c, c.ClientId),
        ["revokeAutomationClient(platform)"] = c => RevokeAppAttemptAsync(c, organisationId: null),
    };

    private static async Task<(string Id, string Secret)> CreateOwnTokenAsync(MatrixContext c)
    {
        var data = await c.World.As(c.Caller).DataAsync(
            "mutation { createApiToken(input: { name: \"to revoke\", expiresInDays: 1 }) { apiToken { id } secret } }");
        return (data["createApiToken"]!["apiToken"]!.Str("id"), data["createApiToken"]!.Str("secret"));
    }

    private static Task<Attempt> CreateAppAttempt(MatrixContext c, string? organisationId, string role)
    {
        var name = c.Fresh.Name("app");
        return Task.FromResult(new Attempt(
            """
            mutation($n: String!, $o: ID, $r: String!) {
              createAutomationClient(input: { name: $n, organisationId: $o, role: $r }) { automationClient { organisationId role } clientSecret }
            }
            """,
            new { n = name, o = organisationId, r = role })
        {
            Check = Expect(d => Assert.Equal(organisationId, d["createAutomationClient"]!["automationClient"]!["organisationId"]?.GetValue<string>())),
            Snapshot = async () => (await ListAppsAsync(c, organisationId)).Any(a => a.Str("displayName") == name) ? "exists" : "absent",
        });
    }

    /// <summary>A revoked application's access token, issued before, stops working on the next request.</summary>
    private static async Task<Attempt> RevokeAppAttemptAsync(MatrixContext c, string? organisationId)
    {
        var id = c.World.SpareAppOf(c.Tenant);
        string? accessToken = null;
        if (c.Succeeds)
        {
            var app = await c.Fresh.AutomationClientAsync(organisationId, organisationId is null ? "OPERATOR" : "VIEWER");
            (id, accessToken) = (app.Id, await c.World.ClientCredentialsTokenAsync(app.ClientId, app.Secret));
        }

        return new Attempt("mutation($id: ID!) { revokeAutomationClient(id: $id) { revokedAt } }", new { id })
        {
            Check = async d =>
            {
                Assert.NotNull(d["revokeAutomationClient"]!["revokedAt"]);
                await StopsWorkingAsync(c, accessToken!);
            },
            Snapshot = async () => (await ListAppsAsync(c, organisationId)).Single(a => a.Str("id") == id)["revokedAt"]?.ToJsonString() ?? "live",
        };
    }

    /// <summary>
    /// Refused either way a server may refuse it: 401 before execution, or UNAUTHENTICATED inside it.
    /// (Which code the 401 carries is checked on its own, in AuthorizationMatrix.Revocation.)
    /// </summary>
    private static async Task StopsWorkingAsync(MatrixContext c, string credential)
    {
        var after = await c.World.App.WithToken(credential).SendAsync("query($id: ID!) { client(id: $id) { id } }", new { id = c.World.ClientA });
        Assert.True(
            after.Data?["client"] is null && (after.Status == System.Net.HttpStatusCode.Unauthorized || after.ErrorCode == "UNAUTHENTICATED"),
            $"The revoked credential still works: {after}");
    }

    private static async Task<List<System.Text.Json.Nodes.JsonNode>> ListAppsAsync(MatrixContext c, string? organisationId)
    {
        var data = await c.Root.DataAsync(
            "query($o: ID) { automationClients(organisationId: $o) { id displayName revokedAt } }", new { o = organisationId });
        return [.. data.List("automationClients")];
    }
}
