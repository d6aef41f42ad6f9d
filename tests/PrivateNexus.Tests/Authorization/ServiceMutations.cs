using static PrivateNexus.Tests.Authorization.Effects;

namespace PrivateNexus.Tests.Authorization;

/// <summary>How the matrix tries the service mutations. Changes land on the tenant's shared service, deletes on fresh ones.</summary>
internal static class ServiceMutations
{
    private const string ServiceState = "query($id: ID!) { service(id: $id) { revision desiredState restartGeneration updatedAt spec { command } } }";

    public static readonly Dictionary<string, Func<MatrixContext, Task<Attempt>>> All = new()
    {
        ["createService"] = c =>
        {
            var name = c.Fresh.Name("new");
            return Task.FromResult(new Attempt(
                """
                mutation($c: ID!, $n: String!) {
                  createService(input: { clientId: $c, name: $n, spec: { image: "busybox:latest", cpuMillicores: 10, memoryMiB: 16 } }) { clientId revision }
                }
                """,
                new { c = c.ClientId, n = name })
            {
                Check = Expect(d => Assert.Equal(c.ClientId, d["createService"]!.Str("clientId"))),
                Snapshot = Read(c.Root, "query($s: String) { services(search: $s) { totalCount } }", new { s = name }),
            });
        },

        ["updateService"] = c =>
        {
            var id = c.World.ServiceOf(c.Tenant);
            var marker = c.Fresh.Name("run");
            return Task.FromResult(new Attempt(
                """
                mutation($id: ID!, $m: String!) {
                  updateService(input: { id: $id, spec: { image: "busybox:latest", command: ["echo", $m], cpuMillicores: 100, memoryMiB: 64 } }) { spec { command } }
                }
                """,
                new { id, m = marker })
            {
                Check = Expect(d => Assert.Equal(marker, d["updateService"]!["spec"]!["command"]![1]!.GetValue<string>())),
                Snapshot = Read(c.Root, ServiceState, new { id }),
            });
        },

        // Revision 1 runs "sleep 3600"; later updates run "echo …", so a rollback that went through shows.
        ["rollbackService"] = c =>
        {
            var id = c.World.ServiceOf(c.Tenant);
            return Task.FromResult(new Attempt("mutation($id: ID!) { rollbackService(id: $id, toRevision: 1) { spec { command } } }", new { id })
            {
                Check = Expect(d => Assert.Equal("sleep", d["rollbackService"]!["spec"]!["command"]![0]!.GetValue<string>())),
                Snapshot = Read(c.Root, ServiceState, new { id }),
            });
        },

        // Start is tried on a stopped service and stop on a running one, so both allowed and refused cases
        // would show a change.
        ["startService"] = c => DesiredStateAttemptAsync(c, "startService", from: "stopService", expected: "RUNNING"),
        ["stopService"] = c => DesiredStateAttemptAsync(c, "stopService", from: "startService", expected: "STOPPED"),

        // A restart is asked of a running service; the generation it bumps shows whether it went through.
        ["restartService"] = async c =>
        {
            var id = c.World.ServiceOf(c.Tenant);
            await c.Root.DataAsync("mutation($id: ID!) { startService(id: $id) { id } }", new { id });
            var before = (await c.Root.DataAsync("query($id: ID!) { service(id: $id) { restartGeneration } }", new { id }))["service"]!["restartGeneration"]!.GetValue<int>();
            return new Attempt("mutation($id: ID!) { restartService(id: $id) { restartGeneration } }", new { id })
            {
                Check = Expect(d => Assert.True(d["restartService"]!["restartGeneration"]!.GetValue<int>() > before)),
                Snapshot = Read(c.Root, ServiceState, new { id }),
            };
        },

        // Always a fresh service of the tenant: a delete wrongly let through must not take the shared one
        // away from the cases after it.
        ["deleteService"] = async c =>
        {
            var id = await c.Fresh.ServiceAsync(c.ClientId);
            return new Attempt("mutation($id: ID!) { deleteService(id: $id) }", new { id })
            {
                Check = _ => IsGoneAsync(c.Root, "query($id: ID!) { service(id: $id) { id } }", new { id }),
                Snapshot = Read(c.Root, ServiceState, new { id }),
            };
        },
    };

    private static async Task<Attempt> DesiredStateAttemptAsync(MatrixContext c, string mutation, string from, string expected)
    {
        var id = c.World.ServiceOf(c.Tenant);
        await c.Root.DataAsync($"mutation($id: ID!) {{ {from}(id: $id) {{ id }} }}", new { id });
        return new Attempt($"mutation($id: ID!) {{ {mutation}(id: $id) {{ desiredState }} }}", new { id })
        {
            Check = Expect(d => Assert.Equal(expected, d[mutation]!.Str("desiredState"))),
            Snapshot = Read(c.Root, ServiceState, new { id }),
        };
    }
}
