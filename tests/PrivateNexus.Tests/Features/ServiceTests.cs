using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using PrivateNexus.Server.Features.Services;
using PrivateNexus.Tests.Infrastructure;

namespace PrivateNexus.Tests.Features;

public abstract class ServiceTests(PnxApp app) : AppTests(app)
{
    private const string Update = "mutation($input: UpdateServiceInput!) { updateService(input: $input) { revision spec { image env { name value secret } } } }";
    private const string CreateService = "mutation($input: CreateServiceInput!) { createService(input: $input) { id } }";

    private async Task<(GraphQLClient Admin, string ClientId)> ClientAsync(object? quota = null, string[]? imagePolicy = null)
    {
        var admin = await App.AdminAsync();
        await admin.EnsureNodeAsync();
        return (admin, await admin.CreateClientAsync(Unique("svc"), quota, imagePolicy));
    }

    [Fact]
    public async Task Updates_write_revisions_and_rollback_restores_an_earlier_spec()
    {
        var (admin, clientId) = await ClientAsync();
        var owner = await App.MemberAsync(clientId, "OWNER");
        var service = await owner.CreateServiceAsync(clientId, "web", AdminActions.DefaultSpec("registry.example/web:1"));
        var id = service["id"]!.GetValue<string>();
        Assert.Equal(1, service["revision"]!.GetValue<int>());
        Assert.Equal("RUNNING", service["desiredState"]!.GetValue<string>());

        var v2 = (await owner.DataAsync(Update, new { input = new { id, spec = AdminActions.DefaultSpec("registry.example/web:2"), expectedRevision = 1 } }))["updateService"]!;
        Assert.Equal(2, v2["revision"]!.GetValue<int>());

        // Sending the same spec again is a safe retry: no new revision.
        var same = (await owner.DataAsync(Update, new { input = new { id, spec = AdminActions.DefaultSpec("registry.example/web:2") } }))["updateService"]!;
        Assert.Equal(2, same["revision"]!.GetValue<int>());

        var stale = await owner.SendAsync(Update, new { input = new { id, spec = AdminActions.DefaultSpec("registry.example/web:3"), expectedRevision = 1 } });
        Assert.Equal("CONFLICT", stale.ErrorCode);

        var rolledBack = (await owner.DataAsync("mutation($id: ID!) { rollbackService(id: $id, toRevision: 1) { revision image } }", new { id }))["rollbackService"]!;
        Assert.Equal(3, rolledBack["revision"]!.GetValue<int>());
        Assert.Equal("registry.example/web:1", rolledBack["image"]!.GetValue<string>());

        var history = (await owner.DataAsync("query($id: ID!) { service(id: $id) { revisions { totalCount edges { node { revision reason spec { image } } } } } }", new { id }))["service"]!["revisions"]!;
        Assert.Equal(3, history["totalCount"]!.GetValue<int>());
        Assert.Equal(["rollback:1", "update", "create"], history["edges"]!.AsArray().Select(e => e!["node"]!["reason"]!.GetValue<string>()));

        Assert.Equal("toRevision", (await owner.SendAsync("mutation($id: ID!) { rollbackService(id: $id, toRevision: 99) { revision } }", new { id })).ErrorField);
    }

    [Fact]
    public async Task Secrets_are_write_only_encrypted_at_rest_and_redacted_in_the_audit_log()
    {
        var (admin, clientId) = await ClientAsync();
        const string Secret = "s3cr3t-value-that-must-not-leak";
        var spec = new { image = "registry.example/db:1", cpuMillicores = 100, memoryMiB = 64, env = new object[] { new { name = "DB_PASSWORD", value = Secret, secret = true }, new { name = "MODE", value = "prod" } } };
        var service = await admin.CreateServiceAsync(clientId, "db", spec);
        var id = service["id"]!.GetValue<string>();
        var env = service["spec"]!["env"]!.AsArray();
        Assert.Null(env.Single(e => e!["name"]!.GetValue<string>() == "DB_PASSWORD")!["value"]);
        Assert.Equal("prod", env.Single(e => e!["name"]!.GetValue<string>() == "MODE")!["value"]!.GetValue<string>());

        var stored = await App.ReadStoredAsync("Services", "Spec", id);
        Assert.NotNull(stored);
        Assert.Contains("DB_PASSWORD", stored, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, stored, StringComparison.Ordinal);

        // Resending the secret without its value keeps it; a new revision is written for the other change.
        var keep = new { image = "registry.example/db:2", cpuMillicores = 100, memoryMiB = 64, env = new object[] { new { name = "DB_PASSWORD", secret = true } } };
        var updated = (await admin.DataAsync(Update, new { input = new { id, spec = keep } }))["updateService"]!;
        Assert.Equal(2, updated["revision"]!.GetValue<int>());
        var storedAfter = await App.ReadStoredAsync("Services", "Spec", id);
        Assert.Contains("DB_PASSWORD", storedAfter, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, storedAfter, StringComparison.Ordinal);

        var noValue = await admin.SendAsync(Update, new { input = new { id, spec = new { image = "registry.example/db:2", cpuMillicores = 100, memoryMiB = 64, env = new object[] { new { name = "NEW_SECRET", secret = true } } } } });
        Assert.Equal("spec.env[0].value", noValue.ErrorField);

        var audit = await admin.DataAsync("query($t: String) { auditEvents(targetId: $t, action: \"service.*\") { edges { node { action details } } } }", new { t = id });
        var details = audit["auditEvents"]!["edges"]!.ToJsonString();
        Assert.Contains("service.create", details, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, details, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("image", "docker.io/evil/miner:latest", "spec.image")]
    [InlineData("cpu", "", "spec.cpuMillicores")]
    [InlineData("memory", "", "spec.memoryMiB")]
    [InlineData("volume", "/etc", "spec.volumes[0].name")]
    [InlineData("path", "relative/path", "spec.volumes[0].path")]
    [InlineData("port", "", "spec.ports[0].containerPort")]
    [InlineData("env", "1BAD", "spec.env[0].name")]
    [InlineData("name", "Bad_Name", "name")]
    [InlineData("replicated-port", "", "spec.replicas")]
    public async Task Policy_and_shape_violations_are_refused_with_the_field(string rule, string value, string field)
    {
        var (admin, clientId) = await ClientAsync(new { cpuMillicores = 1000, memoryMiB = 512, services = 5 }, ["registry.example/*"]);
        object spec = rule switch
        {
            "image" => new { image = value, cpuMillicores = 100, memoryMiB = 64 },
            "cpu" => new { image = "registry.example/a:1", cpuMillicores = 600, memoryMiB = 64, replicas = 2 },
            "memory" => new { image = "registry.example/a:1", cpuMillicores = 100, memoryMiB = 1024 },
            "volume" => new { image = "registry.example/a:1", cpuMillicores = 100, memoryMiB = 64, volumes = new[] { new { name = value, path = "/data" } } },
            "path" => new { image = "registry.example/a:1", cpuMillicores = 100, memoryMiB = 64, volumes = new[] { new { name = "data", path = value } } },
            "port" => new { image = "registry.example/a:1", cpuMillicores = 100, memoryMiB = 64, ports = new[] { new { containerPort = 70000 } } },
            "env" => new { image = "registry.example/a:1", cpuMillicores = 100, memoryMiB = 64, env = new[] { new { name = value, value = "x" } } },

            // A host port is bound once on a node: by one container, or one swarm task (host mode).
            "replicated-port" => new { image = "registry.example/a:1", cpuMillicores = 100, memoryMiB = 64, replicas = 2, ports = new[] { new { containerPort = 80, hostPort = 20001 } } },
            _ => AdminActions.DefaultSpec(),
        };
        var name = rule == "name" ? value : "svc";
        var result = await admin.SendAsync(CreateService, new { input = new { clientId, name, spec } });
        Assert.Equal("BAD_USER_INPUT", result.ErrorCode);
        Assert.Equal(field, result.ErrorField);
        var count = await admin.DataAsync("query($c: ID) { services(clientId: $c) { totalCount } }", new { c = clientId });
        Assert.Equal(0, count["services"]!["totalCount"]!.GetValue<int>());
    }

    [Fact]
    public async Task Platform_admins_may_deploy_outside_the_policy_and_it_is_audited()
    {
        var (admin, clientId) = await ClientAsync(new { cpuMillicores = 100, memoryMiB = 64, services = 5 }, ["registry.example/*"]);
        var spec = AdminActions.DefaultSpec("provider.example/monitoring-agent:3", cpu: 500, memory: 256);
        var refused = await admin.SendAsync(CreateService, new { input = new { clientId, name = "agent", spec } });
        Assert.Equal("BAD_USER_INPUT", refused.ErrorCode);

        var created = (await admin.DataAsync(CreateService, new { input = new { clientId, name = "agent", spec, policyOverride = true } }))["createService"]!;
        var id = created["id"]!.GetValue<string>();
        var audit = await admin.DataAsync("query($t: String) { auditEvents(targetId: $t, action: \"service.create\") { edges { node { details } } } }", new { t = id });
        var details = audit["auditEvents"]!["edges"]![0]!["node"]!["details"]!.GetValue<string>();
        Assert.Contains("policyOverride", details, StringComparison.Ordinal);
        Assert.Contains("spec.image", details, StringComparison.Ordinal);

        var operatorEmail = $"op-{Guid.NewGuid():N}@example.test";
        await admin.CreateUserAsync(operatorEmail, "OPERATOR");
        var op = await App.SignedInAsync(operatorEmail, AdminActions.Password);
        var byOperator = await op.SendAsync(CreateService, new { input = new { clientId, name = "agent2", spec, policyOverride = true } });
        Assert.Equal("FORBIDDEN", byOperator.ErrorCode);
        var owner = await App.MemberAsync(clientId, "OWNER");
        Assert.Equal("FORBIDDEN", (await owner.SendAsync(CreateService, new { input = new { clientId, name = "agent3", spec, policyOverride = true } })).ErrorCode);
    }

    /// <summary>Here no node agent runs, so deployments stay open and superseding them is deterministic.</summary>
    [Fact]
    public async Task Every_change_opens_a_deployment_and_a_newer_one_supersedes_the_open_one()
    {
        var (admin, clientId) = await ClientAsync();
        var id = (await admin.CreateServiceAsync(clientId, "web"))["id"]!.GetValue<string>();
        var created = (await admin.DataAsync("query($id: ID!) { service(id: $id) { latestDeployment { id kind status revision } } }", new { id }))["service"]!["latestDeployment"]!;
        Assert.Equal("CREATE", created["kind"]!.GetValue<string>());
        Assert.Equal("PENDING", created["status"]!.GetValue<string>());

        await admin.DataAsync("mutation($id: ID!) { stopService(id: $id) { id } }", new { id });
        var all = (await admin.DataAsync("query($id: ID!) { service(id: $id) { deployments { edges { node { kind status } } } } }", new { id }))["service"]!["deployments"]!["edges"]!.AsArray();
        Assert.Equal(["STOP", "CREATE"], all.Select(e => e!["node"]!["kind"]!.GetValue<string>()));
        Assert.Equal(["PENDING", "SUPERSEDED"], all.Select(e => e!["node"]!["status"]!.GetValue<string>()));

        var byId = await admin.DataAsync("query($id: ID!) { deployment(id: $id) { status } }", new { id = created["id"]!.GetValue<string>() });
        Assert.Equal("SUPERSEDED", byId["deployment"]!["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Service_count_quota_is_enforced()
    {
        var (admin, clientId) = await ClientAsync(new { cpuMillicores = 10000, memoryMiB = 10000, services = 1 });
        await admin.CreateServiceAsync(clientId, "one");
        var second = await admin.SendAsync(CreateService, new { input = new { clientId, name = "two", spec = AdminActions.DefaultSpec() } });
        Assert.Equal("BAD_USER_INPUT", second.ErrorCode);
        Assert.Equal("clientId", second.ErrorField);
    }

    [Fact]
    public async Task Duplicate_service_name_is_a_conflict()
    {
        var (admin, clientId) = await ClientAsync();
        await admin.CreateServiceAsync(clientId, "web");
        var again = await admin.SendAsync(CreateService, new { input = new { clientId, name = "web", spec = AdminActions.DefaultSpec() } });
        Assert.Equal("CONFLICT", again.ErrorCode);
        Assert.Equal("name", again.ErrorField);
    }

    [Fact]
    public async Task Suspended_client_cannot_change_or_start_services_but_can_stop_them()
    {
        var (admin, clientId) = await ClientAsync();
        var id = (await admin.CreateServiceAsync(clientId, "web"))["id"]!.GetValue<string>();
        await admin.DataAsync("mutation($id: ID!) { suspendClient(id: $id) { id } }", new { id = clientId });
        Assert.Equal("CONFLICT", (await admin.SendAsync(Update, new { input = new { id, spec = AdminActions.DefaultSpec("registry.example/app:2") } })).ErrorCode);
        Assert.Equal("CONFLICT", (await admin.SendAsync(CreateService, new { input = new { clientId, name = "new", spec = AdminActions.DefaultSpec() } })).ErrorCode);
        var stopped = await admin.DataAsync("mutation($id: ID!) { stopService(id: $id) { desiredState } }", new { id });
        Assert.Equal("STOPPED", stopped["stopService"]!["desiredState"]!.GetValue<string>());
        Assert.Equal("CONFLICT", (await admin.SendAsync("mutation($id: ID!) { startService(id: $id) { desiredState } }", new { id })).ErrorCode);
    }

    [Fact]
    public async Task Members_start_and_stop_idempotently_but_cannot_edit()
    {
        var (admin, clientId) = await ClientAsync();
        var id = (await admin.CreateServiceAsync(clientId, "web"))["id"]!.GetValue<string>();
        var member = await App.MemberAsync(clientId, "MEMBER");
        for (var i = 0; i < 2; i++)
        {
            var stopped = await member.DataAsync("mutation($id: ID!) { stopService(id: $id) { desiredState } }", new { id });
            Assert.Equal("STOPPED", stopped["stopService"]!["desiredState"]!.GetValue<string>());
        }

        await member.DataAsync("mutation($id: ID!) { startService(id: $id) { desiredState } }", new { id });
        Assert.Equal("FORBIDDEN", (await member.SendAsync(Update, new { input = new { id, spec = AdminActions.DefaultSpec("registry.example/app:9") } })).ErrorCode);
        Assert.Equal("FORBIDDEN", (await member.SendAsync("mutation($id: ID!) { deleteService(id: $id) }", new { id })).ErrorCode);
    }

    [Fact]
    public async Task Services_list_filters_and_staff_see_the_node()
    {
        var (admin, clientId) = await ClientAsync();
        await admin.CreateServiceAsync(clientId, "alpha", AdminActions.DefaultSpec("registry.example/alpha:1"));
        var beta = (await admin.CreateServiceAsync(clientId, "beta", AdminActions.DefaultSpec("registry.example/beta:1")))["id"]!.GetValue<string>();
        await admin.DataAsync("mutation($id: ID!) { stopService(id: $id) { id } }", new { id = beta });

        const string List = "query($c: ID, $s: String, $d: DesiredState) { services(clientId: $c, search: $s, desiredState: $d) { totalCount edges { node { name node { name } client { id } } } } }";
        var stopped = (await admin.DataAsync(List, new { c = clientId, s = (string?)null, d = "STOPPED" }))["services"]!;
        Assert.Equal("beta", Assert.Single(stopped["edges"]!.AsArray())!["node"]!["name"]!.GetValue<string>());
        var searched = (await admin.DataAsync(List, new { c = clientId, s = "alph", d = (string?)null }))["services"]!;
        var node = Assert.Single(searched["edges"]!.AsArray())!["node"]!;
        Assert.NotNull(node["node"]);
        Assert.Equal(clientId, node["client"]!["id"]!.GetValue<string>());

        var viewer = await App.MemberAsync(clientId, "VIEWER");
        var asViewer = (await viewer.DataAsync(List, new { c = clientId, s = "alph", d = (string?)null }))["services"]!;
        Assert.Null(Assert.Single(asViewer["edges"]!.AsArray())!["node"]!["node"]);
    }

    [Fact]
    public async Task Lists_are_reused_only_while_the_database_says_nothing_they_show_changed()
    {
        var (admin, clientId) = await ClientAsync();
        var name = Unique("listed");
        await admin.CreateServiceAsync(clientId, name, AdminActions.DefaultSpec("registry.example/web:1"));
        const string List = "query($c: ID!) { services(clientId: $c, first: 10) { edges { node { name image } } } }";
        async Task<string> ImageAsync() =>
            Assert.Single((await admin.DataAsync(List, new { c = clientId }))["services"]!["edges"]!.AsArray())!["node"]!["image"]!.GetValue<string>();
        var cache = App.Services.GetRequiredService<ServiceListCache>();

        Assert.Equal("registry.example/web:1", await ImageAsync());
        var hits = cache.Hits;
        Assert.Equal("registry.example/web:1", await ImageAsync());
        Assert.Equal(hits + 1, cache.Hits);

        // Written by someone else entirely (an operator's SQL): the next list reads it anyway.
        await App.ExecuteOutsideServerAsync($"UPDATE \"Services\" SET \"Image\" = 'registry.example/by-sql:9' WHERE \"Name\" = '{name}'");
        Assert.Equal("registry.example/by-sql:9", await ImageAsync());

        // A client's status decides its services' live status: suspending it is a change of the list too.
        var misses = cache.Misses;
        await admin.DataAsync("mutation($id: ID!) { suspendClient(id: $id) { id } }", new { id = clientId });
        await ImageAsync();
        Assert.Equal(misses + 1, cache.Misses);
    }

    [Fact]
    public async Task List_items_get_the_fields_each_requests_directives_and_fragments_select()
    {
        // Fields are collected once per document and type, not per item: a cached document must still
        // follow each request's @include, and fragments must still apply to every item.
        var (admin, clientId) = await ClientAsync();
        await admin.CreateServiceAsync(clientId, "one", AdminActions.DefaultSpec("registry.example/one:1"));
        await admin.CreateServiceAsync(clientId, "two", AdminActions.DefaultSpec("registry.example/two:1"));
        var query = $"# {Unique("directives")}\nquery($c: ID!, $x: Boolean!) {{ services(clientId: $c, first: 10) {{ edges {{ node {{ name image @include(if: $x) ...State }} }} }} }} fragment State on Service {{ desiredState }}";
        async Task<JsonArray> NodesAsync(bool x) =>
            new([.. (await admin.DataAsync(query, new { c = clientId, x }))["services"]!["edges"]!.AsArray().Select(e => e!["node"]!.DeepClone())]);

        foreach (var include in new[] { true, false, true })
        {
            var nodes = await NodesAsync(include);
            Assert.Equal(["one", "two"], nodes.Select(n => n!["name"]!.GetValue<string>()));
            Assert.All(nodes, n => Assert.Equal("RUNNING", n!["desiredState"]!.GetValue<string>()));
            Assert.All(nodes, n => Assert.Equal(include, n!.AsObject().ContainsKey("image")));
        }

        // A directive on a fragment spread, then on an inline fragment, the same way.
        const string Page = "query($c: ID!, $x: Boolean!) { services(clientId: $c, first: 10) { edges { node { name SELECTION } } } }";
        foreach (var document in new[]
        {
            Page.Replace("SELECTION", "...Image @include(if: $x)", StringComparison.Ordinal) + " fragment Image on Service { image }",
            Page.Replace("SELECTION", "... on Service @include(if: $x) { image }", StringComparison.Ordinal),
        })
        {
            var unique = $"# {Unique("fragments")}\n{document}";
            foreach (var include in new[] { true, false, true })
            {
                var edges = (await admin.DataAsync(unique, new { c = clientId, x = include }))["services"]!["edges"]!.AsArray();
                Assert.All(edges, e => Assert.Equal(include, e!["node"]!.AsObject().ContainsKey("image")));
            }
        }

        var plain = await admin.DataAsync("query($c: ID!) { services(clientId: $c, first: 10) { edges { node { name ...State } } } } fragment State on Service { desiredState image }", new { c = clientId });
        Assert.All(plain["services"]!["edges"]!.AsArray(), e => Assert.StartsWith("registry.example/", e!["node"]!["image"]!.GetValue<string>(), StringComparison.Ordinal));
    }
}

public sealed class ServiceTestsOnSqlite(SqliteApp app) : ServiceTests(app);

public sealed class ServiceTestsOnPostgres(PostgresApp app) : ServiceTests(app)
{
    [Fact]
    public async Task Truncating_the_services_table_moves_the_list_stamp()
    {
        // TRUNCATE fires no DELETE trigger; it has one of its own. Undone at once (a failed
        // subtransaction), so the tests running beside this one lose nothing; the stamp is read
        // before the undo, and the block fails if it did not move.
        await App.ExecuteOutsideServerAsync("""
            DO $$
            DECLARE before bigint; after bigint;
            BEGIN
                SELECT "Value" INTO before FROM "ChangeStamps" WHERE "Name" = 'services';
                BEGIN
                    TRUNCATE "Services" CASCADE;
                    SELECT "Value" INTO after FROM "ChangeStamps" WHERE "Name" = 'services';
                    RAISE EXCEPTION USING ERRCODE = 'PNX01';
                EXCEPTION WHEN SQLSTATE 'PNX01' THEN
                    NULL;
                END;
                IF after IS NULL OR after <= before THEN
                    RAISE EXCEPTION 'TRUNCATE left the services stamp at % (was %)', after, before;
                END IF;
            END $$;
            """);
    }
}
