using System.Collections.Concurrent;
using PrivateNexus.Tests.Infrastructure;
using static PrivateNexus.Tests.Authorization.Effects;

namespace PrivateNexus.Tests.Authorization;

/// <summary>
/// The alerting objects of a matrix world, made once per world by the bootstrap admin: a rule and a
/// webhook channel in A, in B and for the platform, and a firing alert in A and in B (a quota rule
/// with a threshold every client passes), so the lists have something to show or to hide.
/// </summary>
internal sealed record AlertObjects(string RuleA, string RuleB, string ChannelA, string ChannelB, string PlatformRule, string PlatformChannel)
{
    private static readonly ConcurrentDictionary<AuthzWorld, Task<AlertObjects>> Made = new();

    public string RuleOf(Tenant tenant) => tenant == Tenant.Other ? RuleB : RuleA;

    public string ChannelOf(Tenant tenant) => tenant == Tenant.Other ? ChannelB : ChannelA;

    public static Task<AlertObjects> OfAsync(AuthzWorld world) => Made.GetOrAdd(world, MakeAsync);

    private static async Task<AlertObjects> MakeAsync(AuthzWorld world)
    {
        var objects = new AlertObjects(
            await AlertOperations.RuleAsync(world, world.ClientA, "world"),
            await AlertOperations.RuleAsync(world, world.ClientB, "world"),
            await AlertOperations.ChannelAsync(world, world.ClientA, "world"),
            await AlertOperations.ChannelAsync(world, world.ClientB, "world"),
            await AlertOperations.RuleAsync(world, null, "world"),
            await AlertOperations.ChannelAsync(world, null, "world"));
        var firing = await Eventually.TrueAsync(
            async () =>
            {
                var data = await world.Root.DataAsync("{ alerts(first: 100, state: FIRING) { items { clientId } } }");
                var clients = data.Items("alerts").Ids("clientId");
                return clients.Contains(world.ClientA) && clients.Contains(world.ClientB);
            },
            TimeSpan.FromSeconds(30));
        Assert.True(firing, "The world's quota alerts fire in A and B.");
        return objects;
    }
}

/// <summary>How the matrix tries the alerting queries and mutations.</summary>
internal static class AlertOperations
{
    private const string Rules = "query($c: ID) { alertRules(clientId: $c) { id name severity version } }";
    private const string Channels = "query($c: ID) { notificationChannels(clientId: $c) { id name url enabled version } }";

    public static readonly Dictionary<string, Func<MatrixContext, Task<Attempt>>> All = new()
    {
        ["alerts(clientId)"] = async c =>
        {
            await AlertObjects.OfAsync(c.World);
            return new Attempt("query($c: ID) { alerts(first: 100, clientId: $c) { items { clientId } } }", new { c = c.ClientId })
            {
                Check = Expect(d => Assert.All(d.Items("alerts").Ids("clientId"), id => Assert.Equal(c.ClientId, id))),
            };
        },

        // Without clientId the list is filtered for the caller: is the tenant's firing alert in it?
        ["alerts"] = async c =>
        {
            await AlertObjects.OfAsync(c.World);
            return new Attempt("{ alerts(first: 100, state: FIRING) { items { clientId } } }")
            {
                Shows = d => d.Items("alerts").Ids("clientId").Contains(c.ClientId),
                Check = Expect(d =>
                {
                    if (c.Caller is not (Caller.Admin or Caller.Operator))
                    {
                        Assert.All(d.Items("alerts").Ids("clientId"), id => Assert.Equal(c.World.ClientA, id));
                    }
                }),
            };
        },

        ["alertRules(clientId)"] = async c =>
        {
            var objects = await AlertObjects.OfAsync(c.World);
            return new Attempt(Rules, new { c = c.ClientId }) { Shows = d => d.List("alertRules").Ids().Contains(objects.RuleOf(c.Tenant)) };
        },

        ["alertRules"] = async c =>
        {
            var objects = await AlertObjects.OfAsync(c.World);
            return new Attempt("{ alertRules { id clientId } }") { Shows = d => d.List("alertRules").Ids().Contains(objects.PlatformRule) };
        },

        ["notificationChannels(clientId)"] = async c =>
        {
            var objects = await AlertObjects.OfAsync(c.World);
            return new Attempt(Channels, new { c = c.ClientId }) { Shows = d => d.List("notificationChannels").Ids().Contains(objects.ChannelOf(c.Tenant)) };
        },

        ["notificationChannels"] = async c =>
        {
            var objects = await AlertObjects.OfAsync(c.World);
            return new Attempt("{ notificationChannels { id } }") { Shows = d => d.List("notificationChannels").Ids().Contains(objects.PlatformChannel) };
        },

        ["createAlertRule"] = c => CreateRuleAttempt(c, c.ClientId),
        ["createAlertRule(platform)"] = c => CreateRuleAttempt(c, null),

        ["updateAlertRule"] = async c =>
        {
            var id = c.Succeeds ? await RuleAsync(c.World, c.ClientId, "upd") : (await AlertObjects.OfAsync(c.World)).RuleOf(c.Tenant);
            return new Attempt("mutation($id: ID!) { updateAlertRule(input: { id: $id, severity: CRITICAL }) { severity } }", new { id })
            {
                Check = Expect(d => Assert.Equal("CRITICAL", d["updateAlertRule"]!.Str("severity"))),
                Snapshot = Read(c.Root, Rules, new { c = c.ClientId }),
            };
        },

        ["deleteAlertRule"] = async c =>
        {
            var id = c.Succeeds ? await RuleAsync(c.World, c.ClientId, "del") : (await AlertObjects.OfAsync(c.World)).RuleOf(c.Tenant);
            return new Attempt("mutation($id: ID!) { deleteAlertRule(id: $id) }", new { id })
            {
                Check = async _ => Assert.DoesNotContain(id, (await c.Root.DataAsync(Rules, new { c = c.ClientId })).List("alertRules").Ids()),
                Snapshot = Read(c.Root, Rules, new { c = c.ClientId }),
            };
        },

        ["createNotificationChannel"] = c => CreateChannelAttempt(c, c.ClientId),
        ["createNotificationChannel(platform)"] = c => CreateChannelAttempt(c, null),

        ["updateNotificationChannel"] = async c =>
        {
            var id = c.Succeeds ? await ChannelAsync(c.World, c.ClientId, "upd") : (await AlertObjects.OfAsync(c.World)).ChannelOf(c.Tenant);
            return new Attempt("mutation($id: ID!) { updateNotificationChannel(input: { id: $id, enabled: false }) { enabled } }", new { id })
            {
                Check = Expect(d => Assert.False(d["updateNotificationChannel"]!["enabled"]!.GetValue<bool>())),
                Snapshot = Read(c.Root, Channels, new { c = c.ClientId }),
            };
        },

        ["deleteNotificationChannel"] = async c =>
        {
            var id = c.Succeeds ? await ChannelAsync(c.World, c.ClientId, "del") : (await AlertObjects.OfAsync(c.World)).ChannelOf(c.Tenant);
            return new Attempt("mutation($id: ID!) { deleteNotificationChannel(id: $id) }", new { id })
            {
                Check = async _ => Assert.DoesNotContain(id, (await c.Root.DataAsync(Channels, new { c = c.ClientId })).List("notificationChannels").Ids()),
                Snapshot = Read(c.Root, Channels, new { c = c.ClientId }),
            };
        },

        // The world's channel points at a closed loopback port (and client webhooks may not reach
        // private addresses here): an allowed test answers ok: false, and is audited either way.
        ["testNotificationChannel"] = async c =>
        {
            var id = (await AlertObjects.OfAsync(c.World)).ChannelOf(c.Tenant);
            return new Attempt("mutation($id: ID!) { testNotificationChannel(id: $id) { ok error } }", new { id })
            {
                Check = Expect(d => Assert.False(d["testNotificationChannel"]!["ok"]!.GetValue<bool>())),
            };
        },
    };

    public static async Task<string> RuleAsync(AuthzWorld world, string? clientId, string what)
    {
        var input = clientId is null
            ? (object)new { name = world.Fresh.Name(what), kind = "NODE_OFFLINE" }
            : new { clientId, name = world.Fresh.Name(what), kind = "QUOTA_NEARLY_USED", threshold = 0.001 };
        var data = await world.Root.DataAsync("mutation($input: CreateAlertRuleInput!) { createAlertRule(input: $input) { id } }", new { input });
        return AuthzWorld.Id(data, "createAlertRule");
    }

    public static async Task<string> ChannelAsync(AuthzWorld world, string? clientId, string what)
    {
        var data = await world.Root.DataAsync(
            "mutation($input: CreateNotificationChannelInput!) { createNotificationChannel(input: $input) { id } }",
            new { input = new { clientId, name = world.Fresh.Name(what), type = "WEBHOOK", url = "http://127.0.0.1:9/hook", secret = "matrix-webhook-secret" } });
        return AuthzWorld.Id(data, "createNotificationChannel");
    }

    private static Task<Attempt> CreateRuleAttempt(MatrixContext c, string? clientId)
    {
        var name = c.Fresh.Name("rule");
        var kind = clientId is null ? "NODE_OFFLINE" : "SERVICE_DOWN";
        return Task.FromResult(new Attempt(
            "mutation($c: ID, $n: String!, $k: AlertKind!) { createAlertRule(input: { clientId: $c, name: $n, kind: $k }) { name clientId } }",
            new { c = clientId, n = name, k = kind })
        {
            Check = Expect(d => Assert.Equal(clientId, d["createAlertRule"]!["clientId"]?.GetValue<string>())),
            Snapshot = async () => (await c.Root.DataAsync(Rules, new { c = clientId })).List("alertRules").Any(r => r.Str("name") == name) ? "exists" : "absent",
        });
    }

    private static Task<Attempt> CreateChannelAttempt(MatrixContext c, string? clientId)
    {
        var name = c.Fresh.Name("channel");
        return Task.FromResult(new Attempt(
            """
            mutation($c: ID, $n: String!) {
              createNotificationChannel(input: { clientId: $c, name: $n, type: WEBHOOK, url: "https://hooks.example.test/x", secret: "matrix-webhook-secret" }) { name clientId hasSecret }
            }
            """,
            new { c = clientId, n = name })
        {
            Check = Expect(d => Assert.True(d["createNotificationChannel"]!["hasSecret"]!.GetValue<bool>())),
            Snapshot = async () => (await c.Root.DataAsync(Channels, new { c = clientId })).List("notificationChannels").Any(r => r.Str("name") == name) ? "exists" : "absent",
        });
    }
}
