namespace PrivateNexus.Tests.Authorization;

/// <summary>
/// Objects made by the bootstrap admin for one case, so a case that deletes or changes something never
/// disturbs the shared world or another case.
/// </summary>
public sealed class FreshObjects(AuthzWorld world)
{
    private int _counter;

    /// <summary>A name unique within the world, DNS-label shaped.</summary>
    /// <remarks>Fixed-width numbers, so no name is a prefix of another and "search" finds exactly one.</remarks>
    public string Name(string what) => $"{world.Tag}-{what}-{Interlocked.Increment(ref _counter):D4}";

    public async Task<string> ClientAsync(bool suspended = false)
    {
        var slug = Name("client");
        var id = AuthzWorld.Id(await world.Root.DataAsync(
            "mutation($s: String!) { createClient(input: { name: $s, slug: $s, imagePolicy: [\"*\"] }) { id } }", new { s = slug }), "createClient");
        if (suspended)
        {
            await world.Root.DataAsync("mutation($id: ID!) { suspendClient(id: $id) { id } }", new { id });
        }

        return id;
    }

    public async Task<string> ServiceAsync(string clientId, string? name = null)
    {
        var data = await world.Root.DataAsync(
            """
            mutation($c: ID!, $n: String!, $node: ID!) {
              createService(input: { clientId: $c, name: $n, nodeId: $node,
                                     spec: { image: "busybox:latest", command: ["sleep", "3600"], cpuMillicores: 100, memoryMiB: 64 } }) { id }
            }
            """,
            new { c = clientId, n = name ?? Name("fresh"), node = world.NodeId });
        return AuthzWorld.Id(data, "createService");
    }

    /// <summary>Adds a person (a new account when the e-mail is unknown) to the client; returns the user id.</summary>
    public async Task<string> MemberAsync(string clientId, string role, string? email = null)
    {
        var data = await world.Root.DataAsync(
            "mutation($c: ID!, $e: String!, $r: ClientRole!) { addMember(clientId: $c, email: $e, role: $r) { membership { userId } } }",
            new { c = clientId, e = email ?? $"{Name("person")}@example.test", r = role });
        return data["addMember"]!["membership"]!["userId"]!.GetValue<string>();
    }

    public async Task<string> DisabledMemberAsync(string clientId)
    {
        var id = await MemberAsync(clientId, "VIEWER");
        await world.Root.DataAsync("mutation($id: ID!) { disableUser(id: $id) { id } }", new { id });
        return id;
    }

    /// <summary>An automation client bound to <paramref name="organisationId"/>, or a platform one when null.</summary>
    public async Task<(string Id, string ClientId, string Secret)> AutomationClientAsync(string? organisationId, string role)
    {
        var data = await world.Root.DataAsync(
            """
            mutation($n: String!, $o: ID, $r: String!) {
              createAutomationClient(input: { name: $n, organisationId: $o, role: $r, scopes: ["api:read", "api:write"] }) {
                automationClient { id clientId } clientSecret
              }
            }
            """,
            new { n = Name("app"), o = organisationId, r = role });
        var payload = data["createAutomationClient"]!;
        return (payload["automationClient"]!["id"]!.GetValue<string>(),
            payload["automationClient"]!["clientId"]!.GetValue<string>(),
            payload["clientSecret"]!.GetValue<string>());
    }

    public async Task<string> NodeAsync() =>
        AuthzWorld.Id(await world.Root.DataAsync(
            "mutation($n: String!) { createNode(input: { name: $n, endpoint: \"unix:///var/run/docker.sock\" }) { id } }",
            new { n = Name("node") }), "createNode");
}
