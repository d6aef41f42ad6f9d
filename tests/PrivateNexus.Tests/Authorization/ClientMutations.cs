using static PrivateNexus.Tests.Authorization.Effects;

namespace PrivateNexus.Tests.Authorization;

/// <summary>How the matrix tries the mutations of client organisations and their members.</summary>
internal static class ClientMutations
{
    private const string ClientState = "query($id: ID!) { client(id: $id) { name status version } }";
    private const string Members = "query($id: ID!) { client(id: $id) { members { userId role } } }";

    public static readonly Dictionary<string, Func<MatrixContext, Task<Attempt>>> All = new()
    {
        ["createClient"] = c =>
        {
            var slug = c.Fresh.Name("new");
            return Task.FromResult(new Attempt(
                "mutation($s: String!) { createClient(input: { name: $s, slug: $s }) { slug } }", new { s = slug })
            {
                Check = Expect(d => Assert.Equal(slug, d["createClient"]!.Str("slug"))),
                Snapshot = Read(c.Root, "query($s: String) { clients(search: $s) { totalCount } }", new { s = slug }),
            });
        },

        // Renaming keeps the world's tag in the slug, so A and B stay findable.
        ["updateClient"] = c =>
        {
            var name = c.Fresh.Name("renamed");
            return Task.FromResult(new Attempt(
                "mutation($id: ID!, $n: String) { updateClient(input: { id: $id, name: $n }) { name } }", new { id = c.ClientId, n = name })
            {
                Check = Expect(d => Assert.Equal(name, d["updateClient"]!.Str("name"))),
                Snapshot = Read(c.Root, ClientState, new { id = c.ClientId }),
            });
        },

        // Suspending, resuming and deleting for real happens to a fresh client standing in for the tenant.
        ["suspendClient"] = async c =>
        {
            var id = c.Succeeds ? await c.Fresh.ClientAsync() : c.ClientId;
            return new Attempt("mutation($id: ID!) { suspendClient(id: $id) { status } }", new { id })
            {
                Check = Expect(d => Assert.Equal("SUSPENDED", d["suspendClient"]!.Str("status"))),
                Snapshot = Read(c.Root, ClientState, new { id }),
            };
        },

        // A resume that should succeed gets a fresh suspended client; a refused one is aimed at the
        // caller's own (or the other) tenant, where the refusal must come before any state check.
        ["resumeClient"] = async c =>
        {
            var id = c.Succeeds ? await c.Fresh.ClientAsync(suspended: true) : c.ClientId;
            return new Attempt("mutation($id: ID!) { resumeClient(id: $id) { status } }", new { id })
            {
                Check = Expect(d => Assert.Equal("ACTIVE", d["resumeClient"]!.Str("status"))),
                Snapshot = Read(c.Root, ClientState, new { id }),
            };
        },

        ["deleteClient"] = async c =>
        {
            var id = c.Succeeds ? await c.Fresh.ClientAsync() : c.ClientId;
            return new Attempt("mutation($id: ID!) { deleteClient(id: $id) }", new { id })
            {
                Check = _ => IsGoneAsync(c.Root, "query($id: ID!) { client(id: $id) { id } }", new { id }),
                Snapshot = Read(c.Root, ClientState, new { id }),
            };
        },

        // A refused invitation must not even create the account of the person invited.
        ["addMember"] = c =>
        {
            var email = $"{c.Fresh.Name("invitee")}@example.test";
            return Task.FromResult(new Attempt(
                "mutation($c: ID!, $e: String!) { addMember(clientId: $c, email: $e, role: VIEWER) { membership { clientId role } } }",
                new { c = c.ClientId, e = email })
            {
                Check = Expect(d =>
                {
                    Assert.Equal(c.ClientId, d["addMember"]!["membership"]!.Str("clientId"));
                    Assert.Equal("VIEWER", d["addMember"]!["membership"]!.Str("role"));
                }),
                Snapshot = Read(c.Root, "query($s: String) { users(search: $s) { totalCount } }", new { s = email }),
            });
        },

        ["changeMemberRole"] = async c =>
        {
            var user = c.Succeeds ? await c.Fresh.MemberAsync(c.ClientId, "VIEWER") : c.World.PawnOf(c.Tenant);
            return new Attempt(
                "mutation($c: ID!, $u: ID!) { changeMemberRole(clientId: $c, userId: $u, role: MEMBER) { role } }", new { c = c.ClientId, u = user })
            {
                Check = Expect(d => Assert.Equal("MEMBER", d["changeMemberRole"]!.Str("role"))),
                Snapshot = Read(c.Root, Members, new { id = c.ClientId }),
            };
        },

        // Always a fresh person of the tenant, so a removal wrongly let through cannot disturb later cases.
        ["removeMember"] = async c =>
        {
            var user = await c.Fresh.MemberAsync(c.ClientId, "VIEWER");
            return new Attempt("mutation($c: ID!, $u: ID!) { removeMember(clientId: $c, userId: $u) }", new { c = c.ClientId, u = user })
            {
                Check = async _ =>
                {
                    var data = await c.Root.DataAsync("query($id: ID!) { user(id: $id) { memberships { clientId } } }", new { id = user });
                    Assert.DoesNotContain(c.ClientId, data["user"]!.List("memberships").Ids("clientId"));
                },
                Snapshot = Read(c.Root, Members, new { id = c.ClientId }),
            };
        },
    };
}
