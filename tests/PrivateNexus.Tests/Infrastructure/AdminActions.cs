using System.Text.Json.Nodes;

namespace PrivateNexus.Tests.Infrastructure;

/// <summary>Intent methods for arranging a test through the API, as an admin would.</summary>
public static class AdminActions
{
    public const string Password = "a-long-enough-password";

    public static async Task<string> CreateClientAsync(this GraphQLClient admin, string slug, object? quota = null, string[]? imagePolicy = null)
    {
        var data = await admin.DataAsync(
            "mutation($input: CreateClientInput!) { createClient(input: $input) { id } }",
            new { input = new { name = $"Client {slug}", slug, quota = quota ?? new { cpuMillicores = 8000, memoryMiB = 8192, services = 20 }, imagePolicy = imagePolicy ?? ["*"] } });
        return data["createClient"]!["id"]!.GetValue<string>();
    }

    public static async Task<string> CreateUserAsync(this GraphQLClient admin, string email, string platformRole = "NONE")
    {
        var data = await admin.DataAsync(
            "mutation($input: CreateUserInput!) { createUser(input: $input) { user { id } } }",
            new { input = new { email, password = Password, platformRole } });
        return data["createUser"]!["user"]!["id"]!.GetValue<string>();
    }

    public static async Task AddMemberAsync(this GraphQLClient admin, string clientId, string email, string role) =>
        await admin.DataAsync(
            "mutation($c: ID!, $e: String!, $r: ClientRole!) { addMember(clientId: $c, email: $e, role: $r) { membership { role } } }",
            new { c = clientId, e = email, r = role });

    /// <summary>Creates a user with a role in a client and returns that user signed in.</summary>
    public static async Task<GraphQLClient> MemberAsync(this PnxApp app, string clientId, string role)
    {
        var admin = await app.AdminAsync();
        var email = $"{role.ToLowerInvariant()}-{Guid.NewGuid():N}@example.test";
        await admin.CreateUserAsync(email);
        await admin.AddMemberAsync(clientId, email, role);
        return await app.SignedInAsync(email, Password);
    }

    /// <summary>Services need somewhere to be placed; one node per server is enough for desired state.</summary>
    public static async Task EnsureNodeAsync(this GraphQLClient admin)
    {
        var nodes = (await admin.DataAsync("{ nodes { id } }"))["nodes"]!.AsArray();
        if (nodes.Count == 0)
        {
            var result = await admin.SendAsync(
                "mutation($input: CreateNodeInput!) { createNode(input: $input) { id } }",
                new { input = new { name = "local", endpoint = "unix:///var/run/docker.sock" } });
            Assert.True(result.Errors is null || result.ErrorCode == "CONFLICT", result.ToString());
        }
    }

    public static async Task<JsonNode> CreateServiceAsync(this GraphQLClient caller, string clientId, string name, object? spec = null)
    {
        var data = await caller.DataAsync(
            "mutation($input: CreateServiceInput!) { createService(input: $input) { id name revision desiredState spec { image env { name value secret } } } }",
            new { input = new { clientId, name, spec = spec ?? DefaultSpec() } });
        return data["createService"]!;
    }

    public static object DefaultSpec(string image = "registry.example/app:1", int cpu = 250, int memory = 128) =>
        new { image, cpuMillicores = cpu, memoryMiB = memory, env = new[] { new { name = "MODE", value = "prod", secret = false } } };
}
