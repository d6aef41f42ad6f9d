using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PrivateNexus.Server.Data;
using PrivateNexus.Tests.Infrastructure;
using PrivateNexus.Tests.Realtime;

namespace PrivateNexus.Tests.Alerts;

/// <summary>
/// Rules, channels and alerts through the API on both databases: validation naming the field,
/// write-only secrets, retry-safe and audited mutations, and tenants kept apart in every read and
/// every pushed event. Alerts here come from quota rules (no engine needed): a client with services
/// has allocated some share of its quota.
/// </summary>
public abstract class AlertApiTests(PnxApp app) : AppTests(app)
{
    private const string CreateRule = "mutation($input: CreateAlertRuleInput!) { createAlertRule(input: $input) { id name version severity threshold window for keepFiringFor repeatInterval } }";
    private const string CreateChannel = "mutation($input: CreateNotificationChannelInput!) { createNotificationChannel(input: $input) { id hasSecret url } }";

    private async Task<(GraphQLClient Admin, string Client, string Service)> ClientWithServiceAsync(string prefix)
    {
        var admin = await App.AdminAsync();
        await admin.EnsureNodeAsync();
        var client = await admin.CreateClientAsync(Unique(prefix));
        var service = (await admin.CreateServiceAsync(client, "web"))["id"]!.GetValue<string>();
        return (admin, client, service);
    }

    [Fact]
    public async Task Bad_rules_and_channels_are_refused_naming_the_field()
    {
        var (admin, client, _) = await ClientWithServiceAsync("bad");
        var (_, other, otherService) = await ClientWithServiceAsync("bad-other");
        var otherChannel = (await admin.DataAsync(CreateChannel, new { input = Webhook(other, "theirs") }))["createNotificationChannel"]!["id"]!.GetValue<string>();

        (object Input, string Field)[] rules =
        [
            (new { clientId = client, name = " ", kind = "SERVICE_DOWN" }, "name"),
            (new { clientId = client, name = "x", kind = "SERVICE_DOWN", threshold = 5.0 }, "threshold"),
            (new { clientId = client, name = "x", kind = "RESTART_LOOP", threshold = 0.0 }, "threshold"),
            (new { clientId = client, name = "x", kind = "MEMORY_HIGH", threshold = 150.0 }, "threshold"),
            (new { clientId = client, name = "x", kind = "SERVICE_DOWN", window = "5m" }, "window"),
            (new { clientId = client, name = "x", kind = "RESTART_LOOP", window = "1s" }, "window"),
            (new { clientId = client, name = "x", kind = "SERVICE_DOWN", @for = "5 minutes" }, "for"),
            (new { clientId = client, name = "x", kind = "SERVICE_DOWN", keepFiringFor = "2d" }, "keepFiringFor"),
            (new { clientId = client, name = "x", kind = "SERVICE_DOWN", repeatInterval = "10s" }, "repeatInterval"),
            (new { clientId = client, name = "x", kind = "NODE_OFFLINE" }, "kind"),
            (new { clientId = client, name = "x", kind = "SERVICE_DOWN", serviceId = otherService }, "serviceId"),
            (new { clientId = client, name = "x", kind = "QUOTA_NEARLY_USED", serviceId = otherService }, "serviceId"),
            (new { clientId = client, name = "x", kind = "SERVICE_DOWN", channelIds = new[] { otherChannel } }, "channelIds[0]"),
        ];
        foreach (var (input, field) in rules)
        {
            var result = await admin.SendAsync(CreateRule, new { input });
            Assert.True(result.ErrorCode == "BAD_USER_INPUT" && result.ErrorField == field, $"{field}: {result}");
        }

        (object Input, string Field)[] channels =
        [
            (new { clientId = client, name = "x", type = "WEBHOOK", url = "ftp://example.test/x", secret = "a-long-enough-secret" }, "url"),
            (new { clientId = client, name = "x", type = "WEBHOOK", url = "https://user:pw@example.test/x", secret = "a-long-enough-secret" }, "url"),
            (new { clientId = client, name = "x", type = "WEBHOOK", url = "https://example.test/x", secret = "short" }, "secret"),
            (new { clientId = client, name = "x", type = "WEBHOOK", url = "https://example.test/x" }, "secret"),
            (new { clientId = client, name = "x", type = "EMAIL", recipients = new[] { "ops@example.test" } }, "type"),
        ];
        foreach (var (input, field) in channels)
        {
            var result = await admin.SendAsync(CreateChannel, new { input });
            Assert.True(result.ErrorCode == "BAD_USER_INPUT" && result.ErrorField == field, $"{field}: {result}");
        }

        Assert.Empty((await admin.DataAsync("query($c: ID) { alertRules(clientId: $c) { id } }", new { c = client }))["alertRules"]!.AsArray());
    }

    [Fact]
    public async Task Defaults_are_filled_in_by_kind_and_durations_read_back_as_written()
    {
        var (admin, client, _) = await ClientWithServiceAsync("defaults");
        var loop = (await admin.DataAsync(CreateRule, new { input = new { clientId = client, name = "loop", kind = "RESTART_LOOP" } }))["createAlertRule"]!;
        Assert.Equal((3.0, "5m", "0s", "0s", "4h", "WARNING"), (loop["threshold"]!.GetValue<double>(), loop["window"]!.GetValue<string>(), loop["for"]!.GetValue<string>(),
            loop["keepFiringFor"]!.GetValue<string>(), loop["repeatInterval"]!.GetValue<string>(), loop["severity"]!.GetValue<string>()));

        var cpu = (await admin.DataAsync(CreateRule, new { input = new { clientId = client, name = "cpu", kind = "CPU_HIGH", threshold = 80.0, @for = "90s", repeatInterval = "0s" } }))["createAlertRule"]!;
        Assert.Equal((80.0, "1m", "90s", "1m", "0s"), (cpu["threshold"]!.GetValue<double>(), cpu["window"]!.GetValue<string>(), cpu["for"]!.GetValue<string>(),
            cpu["keepFiringFor"]!.GetValue<string>(), cpu["repeatInterval"]!.GetValue<string>()));
    }

    [Fact]
    public async Task A_webhook_secret_is_write_only_and_encrypted_at_rest()
    {
        const string Secret = "the-webhook-secret-42";
        var (admin, client, _) = await ClientWithServiceAsync("secret");
        var created = (await admin.DataAsync(CreateChannel, new { input = Webhook(client, "hook", Secret) }))["createNotificationChannel"]!;
        var id = created["id"]!.GetValue<string>();
        Assert.True(created["hasSecret"]!.GetValue<bool>());

        var stored = await App.ReadStoredAsync("NotificationChannels", "SecretCiphertext", id);
        Assert.False(string.IsNullOrEmpty(stored));
        Assert.DoesNotContain(Secret, stored, StringComparison.Ordinal);

        var secretField = await admin.SendAsync("query($c: ID) { notificationChannels(clientId: $c) { secret } }", new { c = client });
        Assert.Equal("GRAPHQL_VALIDATION_FAILED", secretField.ErrorCode);

        // Changing the rest keeps the secret; the audit trail never holds it (nor the URL's path).
        await admin.DataAsync("mutation($id: ID!) { updateNotificationChannel(input: { id: $id, url: \"https://hooks.example.test/T000/B000/token-in-path\" }) { id } }", new { id });
        Assert.Equal(stored, await App.ReadStoredAsync("NotificationChannels", "SecretCiphertext", id));
        var audit = await admin.DataAsync("query($t: String) { auditEvents(targetId: $t) { items { action details } } }", new { t = id });
        var details = string.Join("\n", audit["auditEvents"]!["items"]!.AsArray().Select(e => e!["details"]?.GetValue<string>()));
        Assert.DoesNotContain(Secret, details, StringComparison.Ordinal);
        Assert.DoesNotContain("token-in-path", details, StringComparison.Ordinal);
        Assert.True(audit["auditEvents"]!["items"]!.AsArray().Select(e => e!["action"]!.GetValue<string>()).SequenceEqual(["notificationChannel.update", "notificationChannel.create"]), audit.ToJsonString());
    }

    [Fact]
    public async Task Rule_mutations_are_retry_safe_and_audited()
    {
        var (admin, client, _) = await ClientWithServiceAsync("retry");
        var input = new { clientId = client, name = "down", kind = "SERVICE_DOWN", @for = "2m" };
        var rule = (await admin.DataAsync(CreateRule, new { input }))["createAlertRule"]!;
        var id = rule["id"]!.GetValue<string>();

        var again = await admin.SendAsync(CreateRule, new { input });
        Assert.Equal(("CONFLICT", "name"), (again.ErrorCode, again.ErrorField));

        const string Update = "mutation($input: UpdateAlertRuleInput!) { updateAlertRule(input: $input) { version for severity } }";
        var same = (await admin.DataAsync(Update, new { input = new { id, @for = "2m" } }))["updateAlertRule"]!;
        Assert.Equal(1, same["version"]!.GetValue<long>());
        var changed = (await admin.DataAsync(Update, new { input = new { id, severity = "CRITICAL", expectedVersion = 1 } }))["updateAlertRule"]!;
        Assert.Equal((2L, "CRITICAL"), (changed["version"]!.GetValue<long>(), changed["severity"]!.GetValue<string>()));
        var stale = await admin.SendAsync(Update, new { input = new { id, severity = "INFO", expectedVersion = 1 } });
        Assert.Equal(("CONFLICT", "expectedVersion"), (stale.ErrorCode, stale.ErrorField));

        await admin.DataAsync("mutation($id: ID!) { deleteAlertRule(id: $id) }", new { id });
        Assert.Equal("NOT_FOUND", (await admin.SendAsync("mutation($id: ID!) { deleteAlertRule(id: $id) }", new { id })).ErrorCode);

        var audit = await admin.DataAsync("query($t: String) { auditEvents(targetId: $t, action: \"alertRule.*\") { items { action clientId } } }", new { t = id });
        Assert.Equal(["alertRule.delete", "alertRule.update", "alertRule.create"], audit["auditEvents"]!["items"]!.AsArray().Select(e => e!["action"]!.GetValue<string>()));
        Assert.All(audit["auditEvents"]!["items"]!.AsArray(), e => Assert.Equal(client, e!["clientId"]!.GetValue<string>()));
    }

    [Fact]
    public async Task A_tenant_never_sees_or_touches_another_tenants_alerts_rules_or_channels_and_hears_only_its_own()
    {
        var (admin, a, _) = await ClientWithServiceAsync("iso-a");
        var (_, b, _) = await ClientWithServiceAsync("iso-b");
        var ownerA = await App.MemberAsync(a, "OWNER");
        var memberA = await App.MemberAsync(a, "MEMBER");
        var ownerB = await App.MemberAsync(b, "OWNER");
        await using var wsA = await SubscribedAsync(ownerA);
        await using var wsB = await SubscribedAsync(ownerB);

        // The owner of A makes A's rule (a quota threshold every client with a service passes).
        var ruleA = (await ownerA.DataAsync(CreateRule, new { input = new { clientId = a, name = "quota", kind = "QUOTA_NEARLY_USED", threshold = 0.001 } }))["createAlertRule"]!["id"]!.GetValue<string>();
        var channelA = (await ownerA.DataAsync(CreateChannel, new { input = Webhook(a, "hook") }))["createNotificationChannel"]!["id"]!.GetValue<string>();
        var fired = await WebSocketProtocolTests.NextUntilAsync(wsA, "a", e => e["state"]!.GetValue<string>() == "FIRING");
        Assert.Equal(a, fired["clientId"]!.GetValue<string>());

        // The owner of B heard nothing (a ping is answered right after the alert went out to A).
        await wsB.SendAsync(new { type = "ping" });
        Assert.Equal("pong", (await wsB.ReceiveAsync())!["type"]!.GetValue<string>());

        const string Alerts = "query($c: ID) { alerts(clientId: $c, first: 100) { items { id clientId } } }";
        Assert.Empty((await ownerB.DataAsync(Alerts, new { c = (string?)null }))["alerts"]!["items"]!.AsArray());
        Assert.Equal("NOT_FOUND", (await ownerB.SendAsync(Alerts, new { c = a })).ErrorCode);
        Assert.Equal("NOT_FOUND", (await ownerB.SendAsync("query($c: ID) { alertRules(clientId: $c) { id } }", new { c = a })).ErrorCode);
        Assert.Equal("NOT_FOUND", (await ownerB.SendAsync("query($c: ID) { notificationChannels(clientId: $c) { id } }", new { c = a })).ErrorCode);
        Assert.Equal("NOT_FOUND", (await ownerB.SendAsync("mutation($id: ID!) { updateAlertRule(input: { id: $id, enabled: false }) { id } }", new { id = ruleA })).ErrorCode);
        Assert.Equal("NOT_FOUND", (await ownerB.SendAsync("mutation($id: ID!) { deleteNotificationChannel(id: $id) }", new { id = channelA })).ErrorCode);
        Assert.Equal("NOT_FOUND", (await ownerB.SendAsync("mutation($id: ID!) { testNotificationChannel(id: $id) { ok } }", new { id = channelA })).ErrorCode);
        Assert.Equal("FORBIDDEN", (await ownerB.SendAsync("{ alertRules { id } }")).ErrorCode);

        // A's member reads A's alerts and rules, but neither changes rules nor sees the channels' addresses.
        Assert.Equal([a], (await memberA.DataAsync(Alerts, new { c = (string?)null }))["alerts"]!["items"]!.AsArray().Select(i => i!["clientId"]!.GetValue<string>()).Distinct());
        Assert.Single((await memberA.DataAsync("query($c: ID) { alertRules(clientId: $c) { id } }", new { c = a }))["alertRules"]!.AsArray());
        Assert.Equal("FORBIDDEN", (await memberA.SendAsync("query($c: ID) { notificationChannels(clientId: $c) { id } }", new { c = a })).ErrorCode);
        Assert.Equal("FORBIDDEN", (await memberA.SendAsync("mutation($id: ID!) { deleteAlertRule(id: $id) }", new { id = ruleA })).ErrorCode);
        Assert.Equal("NOT_FOUND", (await memberA.SendAsync("query($c: ID) { alertRules(clientId: $c) { id } }", new { c = b })).ErrorCode);
    }

    private async Task<GraphQLWsClient> SubscribedAsync(GraphQLClient caller)
    {
        var ws = await GraphQLWsClient.ReadyAsync(App, caller.Token!);
        await ws.SubscribeAsync("a", "subscription { alertChanged { id state clientId } }");
        await ws.SendAsync(new { type = "ping" });
        Assert.Equal("pong", (await ws.ReceiveAsync())!["type"]!.GetValue<string>());
        return ws;
    }

    private static object Webhook(string clientId, string name, string secret = "a-long-enough-secret") =>
        new { clientId, name, type = "WEBHOOK", url = "https://hooks.example.test/alerts", secret };

    [Fact]
    public async Task An_alert_stepped_by_two_overlapping_evaluations_is_saved_by_the_first_only()
    {
        var admin = await App.AdminAsync();
        await admin.EnsureNodeAsync();
        var client = await admin.CreateClientAsync(Unique("overlap"));
        await admin.CreateServiceAsync(client, "web");
        var rule = (await admin.DataAsync(
            "mutation($input: CreateAlertRuleInput!) { createAlertRule(input: $input) { id } }",
            new { input = new { clientId = client, name = "quota", kind = "QUOTA_NEARLY_USED", threshold = 0.001 } }))["createAlertRule"]!["id"]!.GetValue<string>();
        var clientId = Guid.Parse(client);
        async Task<string?> StateAsync() =>
            (await admin.DataAsync("query($c: ID) { alerts(clientId: $c) { items { state } } }", new { c = client }))["alerts"]!["items"]!.AsArray().SingleOrDefault()?["state"]?.GetValue<string>();
        Assert.True(await Eventually.TrueAsync(async () => await StateAsync() == "FIRING", TimeSpan.FromSeconds(20)));

        // Resolved and quiet, the server's own evaluator leaves the row alone while the two below race.
        await admin.DataAsync("mutation($id: ID!) { updateAlertRule(input: { id: $id, enabled: false }) { id } }", new { id = rule });
        Assert.True(await Eventually.TrueAsync(async () => await StateAsync() == "RESOLVED", TimeSpan.FromSeconds(20)));
        await Task.Delay(TimeSpan.FromSeconds(3), TestContext.Current.CancellationToken);

        // Two evaluations (two replicas during a lease handover) read the same alert, both step it.
        await using var first = App.Services.CreateAsyncScope();
        await using var second = App.Services.CreateAsyncScope();
        var one = await first.ServiceProvider.GetRequiredService<PnxDbContext>().Alerts.SingleAsync(a => a.ClientId == clientId, TestContext.Current.CancellationToken);
        var other = await second.ServiceProvider.GetRequiredService<PnxDbContext>().Alerts.SingleAsync(a => a.ClientId == clientId, TestContext.Current.CancellationToken);
        foreach (var alert in new[] { one, other })
        {
            alert.Summary = "stepped";
            alert.Version++;
        }

        await first.ServiceProvider.GetRequiredService<PnxDbContext>().SaveChangesAsync(TestContext.Current.CancellationToken);
        await Assert.ThrowsAsync<DbUpdateConcurrencyException>(() => second.ServiceProvider.GetRequiredService<PnxDbContext>().SaveChangesAsync(TestContext.Current.CancellationToken));
    }
}

public sealed class AlertApiTestsOnSqlite(SqliteApp app) : AlertApiTests(app);

public sealed class AlertApiTestsOnPostgres(PostgresApp app) : AlertApiTests(app);
