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
                Check = Expect(d => Assert.NotNull(d["revokeApiToken"]!["revokedAt"])),
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

    private static async Task<Attempt> RevokeAppAttemptAsync(MatrixContext c, string? organisationId)
    {
        var id = c.Succeeds
            ? (await c.Fresh.AutomationClientAsync(organisationId, organisationId is null ? "OPERATOR" : "VIEWER")).Id
            : c.World.SpareAppOf(c.Tenant);
        return new Attempt("mutation($id: ID!) { revokeAutomationClient(id: $id) { revokedAt } }", new { id })
        {
            Check = Expect(d => Assert.NotNull(d["revokeAutomationClient"]!["revokedAt"])),
            Snapshot = async () => (await ListAppsAsync(c, organisationId)).Single(a => a.Str("id") == id)["revokedAt"]?.ToJsonString() ?? "live",
        };
    }

    private static async Task<List<System.Text.Json.Nodes.JsonNode>> ListAppsAsync(MatrixContext c, string? organisationId)
    {
        var data = await c.Root.DataAsync(
            "query($o: ID) { automationClients(organisationId: $o) { id displayName revokedAt } }", new { o = organisationId });
        return [.. data.List("automationClients")];
    }
}
