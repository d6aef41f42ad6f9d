using static PrivateNexus.Tests.Authorization.Effects;

namespace PrivateNexus.Tests.Authorization;

/// <summary>How the matrix tries the platform mutations: users, the caller's password, nodes.</summary>
internal static class UserAndNodeMutations
{
    private const string UserState = "query($id: ID!) { user(id: $id) { displayName status platformRole } }";
    private const string NodeState = "query($id: ID!) { node(id: $id) { version labels { key value } } }";

    public static readonly Dictionary<string, Func<MatrixContext, Task<Attempt>>> All = new()
    {
        ["createUser"] = c =>
        {
            var email = $"{c.Fresh.Name("user")}@example.test";
            return Task.FromResult(new Attempt(
                "mutation($e: String!) { createUser(input: { email: $e }) { user { email } } }", new { e = email })
            {
                Check = Expect(d => Assert.Equal(email, d["createUser"]!["user"]!.Str("email"))),
                Snapshot = Read(c.Root, "query($s: String) { users(search: $s) { totalCount } }", new { s = email }),
            });
        },

        ["updateUser"] = async c =>
        {
            var id = await TargetUserAsync(c);
            var name = c.Fresh.Name("renamed");
            return new Attempt("mutation($id: ID!, $n: String) { updateUser(input: { id: $id, displayName: $n }) { displayName } }", new { id, n = name })
            {
                Check = Expect(d => Assert.Equal(name, d["updateUser"]!.Str("displayName"))),
                Snapshot = Read(c.Root, UserState, new { id }),
            };
        },

        ["disableUser"] = async c =>
        {
            var id = await TargetUserAsync(c);
            return new Attempt("mutation($id: ID!) { disableUser(id: $id) { status } }", new { id })
            {
                Check = Expect(d => Assert.Equal("DISABLED", d["disableUser"]!.Str("status"))),
                Snapshot = Read(c.Root, UserState, new { id }),
            };
        },

        // Always aimed at a disabled person, so a refusal that "changed nothing" left them disabled.
        ["enableUser"] = async c =>
        {
            var id = await c.Fresh.DisabledMemberAsync(c.ClientId);
            return new Attempt("mutation($id: ID!) { enableUser(id: $id) { status } }", new { id })
            {
                Check = Expect(d => Assert.Equal("ACTIVE", d["enableUser"]!.Str("status"))),
                Snapshot = Read(c.Root, UserState, new { id }),
            };
        },

        ["deleteUser"] = async c =>
        {
            var id = await TargetUserAsync(c);
            return new Attempt("mutation($id: ID!) { deleteUser(id: $id) }", new { id })
            {
                Check = _ => IsGoneAsync(c.Root, "query($id: ID!) { user(id: $id) { id } }", new { id }),
                Snapshot = Read(c.Root, UserState, new { id }),
            };
        },

        // Setting the same password again: proves the caller may, without breaking later sign-ins.
        ["changePassword"] = _ => Task.FromResult(new Attempt(
            "mutation($p: String!) { changePassword(currentPassword: $p, newPassword: $p) }", new { p = AuthzWorld.Password })
        {
            Check = Expect(d => Assert.True(d["changePassword"]!.GetValue<bool>())),
        }),

        // A node made for real is removed again at once: other suites place services on any node.
        ["createNode"] = c =>
        {
            var name = c.Fresh.Name("node");
            return Task.FromResult(new Attempt(
                "mutation($n: String!) { createNode(input: { name: $n, endpoint: \"unix:///var/run/docker.sock\" }) { id name } }", new { n = name })
            {
                Check = async d =>
                {
                    Assert.Equal(name, d["createNode"]!.Str("name"));
                    await c.Root.DataAsync("mutation($id: ID!) { deleteNode(id: $id) }", new { id = d["createNode"]!.Str("id") });
                },
                Snapshot = async () => (await c.Root.DataAsync("{ nodes { name } }")).List("nodes").Ids("name").Contains(name) ? "exists" : "absent",
            });
        },

        ["updateNode"] = c =>
        {
            var value = c.Fresh.Name("label");
            return Task.FromResult(new Attempt(
                "mutation($id: ID!, $v: String!) { updateNode(input: { id: $id, labels: [{ key: \"matrix\", value: $v }] }) { labels { value } } }",
                new { id = c.World.NodeId, v = value })
            {
                Check = Expect(d => Assert.Equal(value, Assert.Single(d["updateNode"]!.List("labels")).Str("value"))),
                Snapshot = Read(c.Root, NodeState, new { id = c.World.NodeId }),
            });
        },

        // Testing a node is read-like for the engine but an admin action; its trace is the audit entry.
        ["testNode"] = c => Task.FromResult(new Attempt("mutation($id: ID!) { testNode(id: $id) { reachable error } }", new { id = c.World.NodeId })
        {
            Check = Expect(d => Assert.NotNull(d["testNode"])),
            Snapshot = Read(c.Root, NodeState, new { id = c.World.NodeId }),
        }),

        ["deleteNode"] = async c =>
        {
            var id = c.Succeeds ? await c.Fresh.NodeAsync() : c.World.NodeId;
            return new Attempt("mutation($id: ID!) { deleteNode(id: $id) }", new { id })
            {
                Check = _ => IsGoneAsync(c.Root, "query($id: ID!) { node(id: $id) { id } }", new { id }),
                Snapshot = Read(c.Root, NodeState, new { id }),
            };
        },
    };

    /// <summary>
    /// A fresh person whose only membership is in the tenant ("a user of the own / other client"), so an
    /// administration wrongly let through cannot disturb the shared world.
    /// </summary>
    private static Task<string> TargetUserAsync(MatrixContext c) => c.Fresh.MemberAsync(c.ClientId, "VIEWER");
}
