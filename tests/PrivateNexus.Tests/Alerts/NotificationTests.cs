using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using PrivateNexus.Tests.Infrastructure;

namespace PrivateNexus.Tests.Alerts;

/// <summary>
/// The paths between an alert and the outside world: Prometheus-based rules (and Prometheus being
/// away), webhook retries, channel tests, e-mail over SMTP, the alerting metrics — and the cost of
/// reading alerts with their history (this server runs no other tests at the same time).
/// </summary>
public sealed class NotificationTests(AlertsApp app) : AppTests(app), IClassFixture<AlertsApp>
{
    private const string Secret = "notification-tests-secret";
    private const string AlertOf = "query($c: ID) { alerts(clientId: $c, first: 10) { items { id state lastValue summary } } }";

    private readonly AlertsApp _app = app;

    private async Task<(GraphQLClient Admin, string Client, string Service)> ClientWithServiceAsync(string prefix)
    {
        var admin = await App.AdminAsync();
        await admin.EnsureNodeAsync();
        var client = await admin.CreateClientAsync(Unique(prefix));
        var service = (await admin.CreateServiceAsync(client, "web"))["id"]!.GetValue<string>();
        return (admin, client, service);
    }

    private static async Task<string> ChannelAsync(GraphQLClient admin, object input) =>
        (await admin.DataAsync("mutation($input: CreateNotificationChannelInput!) { createNotificationChannel(input: $input) { id } }", new { input }))
            ["createNotificationChannel"]!["id"]!.GetValue<string>();

    private static async Task RuleAsync(GraphQLClient admin, object input) =>
        await admin.DataAsync("mutation($input: CreateAlertRuleInput!) { createAlertRule(input: $input) { id } }", new { input });

    private static async Task<JsonNode?> AlertAsync(GraphQLClient admin, string client) =>
        (await admin.DataAsync(AlertOf, new { c = client }))["alerts"]!["items"]!.AsArray().SingleOrDefault();

    private static async Task<JsonNode> WaitForStateAsync(GraphQLClient admin, string client, string state)
    {
        JsonNode? last = null;
        var reached = await Eventually.TrueAsync(async () => (last = await AlertAsync(admin, client))?["state"]?.GetValue<string>() == state, TimeSpan.FromSeconds(30));
        Assert.True(reached, $"The alert never became {state}: {last?.ToJsonString()}");
        return last!;
    }

    [Fact]
    public async Task Cpu_over_its_threshold_fires_stays_firing_while_Prometheus_is_away_and_resolves_when_it_drops()
    {
        var (admin, client, service) = await ClientWithServiceAsync("cpu");

        // 250 millicores of limit; 0.2 cores used is 80 %.
        _app.Prometheus.ServiceValues[service] = 0.2;
        await RuleAsync(admin, new { clientId = client, name = "cpu", kind = "CPU_HIGH", threshold = 50.0, window = "30s", @for = "0s", keepFiringFor = "0s" });
        var firing = await WaitForStateAsync(admin, client, "FIRING");
        Assert.Equal(80, firing["lastValue"]!.GetValue<double>(), 1);
        Assert.Contains(_app.Prometheus.Queries, q => q.Contains($"client=\"{client}\"", StringComparison.Ordinal) && q.Contains("by (service)", StringComparison.Ordinal));

        // Prometheus away: not knowing is not resolving.
        _app.Prometheus.Behaviour = Metrics.FakePrometheus.Mode.Error;
        try
        {
            _app.Prometheus.ServiceValues[service] = 0.01;
            Assert.True(
                await Eventually.TrueAsync(async () => (await MetricsAsync()).Contains("pnx_alert_rule_evaluations_skipped_total{reason=\"prometheus_unavailable\"}", StringComparison.Ordinal), TimeSpan.FromSeconds(20)),
                "skipped evaluations are counted");
            await Task.Delay(TimeSpan.FromSeconds(3), TestContext.Current.CancellationToken);
            Assert.Equal("FIRING", (await AlertAsync(admin, client))!["state"]!.GetValue<string>());
        }
        finally
        {
            _app.Prometheus.Behaviour = Metrics.FakePrometheus.Mode.Answer;
        }

        var resolved = await WaitForStateAsync(admin, client, "RESOLVED");
        Assert.Equal(4, resolved["lastValue"]!.GetValue<double>(), 1);
    }

    [Fact]
    public async Task A_failing_webhook_is_retried_with_the_same_delivery_id_until_it_takes_the_notification()
    {
        var (admin, client, _) = await ClientWithServiceAsync("retry");

        // One attempt is three requests (the HTTP client retries 503 twice); the fourth request is the second attempt's first.
        await using var receiver = new WebhookReceiver { FailFirst = 3 };
        var channel = await ChannelAsync(admin, new { clientId = client, name = "flaky", type = "WEBHOOK", url = receiver.Url, secret = Secret });
        await RuleAsync(admin, new { clientId = client, name = "quota", kind = "QUOTA_NEARLY_USED", threshold = 0.001, channelIds = new[] { channel } });

        Assert.True(await Eventually.TrueAsync(() => Task.FromResult(!receiver.Received.IsEmpty), TimeSpan.FromSeconds(30)), "the notification gets through in the end");
        await Task.Delay(TimeSpan.FromSeconds(3), TestContext.Current.CancellationToken);
        var taken = Assert.Single(receiver.Received);
        Assert.True(taken.SignedWith(Secret));
        Assert.Equal(4, receiver.Attempts.Count);
        Assert.Single(receiver.Attempts.Select(a => a.Header("X-PrivateNexus-Delivery")).Distinct());
        Assert.Contains("pnx_alert_notifications_total{type=\"webhook\",outcome=\"failed\"}", await MetricsAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Testing_a_channel_sends_a_signed_test_payload_or_an_email_and_reports_a_failure_plainly()
    {
        var (admin, client, _) = await ClientWithServiceAsync("test");
        await using var receiver = new WebhookReceiver();
        var webhook = await ChannelAsync(admin, new { clientId = client, name = "hook", type = "WEBHOOK", url = receiver.Url, secret = Secret });
        var email = await ChannelAsync(admin, new { clientId = client, name = "mail", type = "EMAIL", recipients = new[] { "ops@example.test" } });
        var dead = await ChannelAsync(admin, new { clientId = client, name = "dead", type = "WEBHOOK", url = "http://127.0.0.1:9/nothing", secret = Secret });
        const string Test = "mutation($id: ID!) { testNotificationChannel(id: $id) { ok error } }";

        var hook = (await admin.DataAsync(Test, new { id = webhook }))["testNotificationChannel"]!;
        Assert.True(hook["ok"]!.GetValue<bool>(), hook.ToJsonString());
        var sent = Assert.Single(receiver.Received);
        Assert.Equal("test", sent.Header("X-PrivateNexus-Event"));
        Assert.True(sent.SignedWith(Secret));

        var mail = (await admin.DataAsync(Test, new { id = email }))["testNotificationChannel"]!;
        Assert.True(mail["ok"]!.GetValue<bool>(), mail.ToJsonString());
        Assert.Contains(_app.Smtp.Received, m => m.Subject == "[PrivateNexus] Test notification" && m.Recipients.SequenceEqual(["ops@example.test"]));

        var failed = (await admin.DataAsync(Test, new { id = dead }))["testNotificationChannel"]!;
        Assert.False(failed["ok"]!.GetValue<bool>());
        Assert.False(string.IsNullOrWhiteSpace(failed["error"]?.GetValue<string>()));

        var audit = await admin.DataAsync("query($t: String) { auditEvents(targetId: $t, action: \"notificationChannel.test\") { items { outcome } } }", new { t = dead });
        Assert.Equal("FAILED", audit["auditEvents"]!["items"]![0]!["outcome"]!.GetValue<string>());
    }

    [Fact]
    public async Task Channel_tests_are_limited_per_caller_and_the_refusal_is_audited()
    {
        var (admin, client, _) = await ClientWithServiceAsync("throttle");
        var owner = await App.MemberAsync(client, "OWNER");
        var otherOwner = await App.MemberAsync(client, "OWNER");
        await using var receiver = new WebhookReceiver();
        var webhook = await ChannelAsync(admin, new { clientId = client, name = "hook", type = "WEBHOOK", url = receiver.Url, secret = Secret });
        const string Test = "mutation($id: ID!) { testNotificationChannel(id: $id) { ok } }";
        var limit = App.Services.GetRequiredService<PrivateNexus.Server.Features.Alerts.ChannelTestThrottle>().PermitLimit;

        for (var i = 0; i < limit; i++)
        {
            Assert.True((await owner.DataAsync(Test, new { id = webhook }))["testNotificationChannel"]!["ok"]!.GetValue<bool>());
        }

        var refused = await owner.SendAsync(Test, new { id = webhook });
        Assert.Equal("LIMIT_EXCEEDED", refused.ErrorCode);
        Assert.Equal(limit, receiver.Received.Count);

        // Another caller is counted apart.
        Assert.True((await otherOwner.DataAsync(Test, new { id = webhook }))["testNotificationChannel"]!["ok"]!.GetValue<bool>());
        var audit = await admin.DataAsync("query($t: String) { auditEvents(targetId: $t, action: \"notificationChannel.test\", first: 50) { items { outcome } } }", new { t = webhook });
        Assert.Single(audit["auditEvents"]!["items"]!.AsArray(), e => e!["outcome"]!.GetValue<string>() == "DENIED");
    }

    [Fact]
    public async Task An_email_channel_is_sent_the_firing_alert_and_the_firing_gauge_counts_it()
    {
        var (admin, client, _) = await ClientWithServiceAsync("mail");
        var recipient = $"{Unique("oncall")}@example.test";
        var email = await ChannelAsync(admin, new { clientId = client, name = "mail", type = "EMAIL", recipients = new[] { recipient } });
        await RuleAsync(admin, new { clientId = client, name = "quota", kind = "QUOTA_NEARLY_USED", threshold = 0.001, severity = "CRITICAL", channelIds = new[] { email } });

        Assert.True(
            await Eventually.TrueAsync(() => Task.FromResult(_app.Smtp.Received.Any(m => m.Recipients.Contains(recipient))), TimeSpan.FromSeconds(30)),
            "the e-mail arrives");
        var message = _app.Smtp.Received.Single(m => m.Recipients.Contains(recipient));
        Assert.StartsWith("[FIRING] quota: ", message.Subject, StringComparison.Ordinal);
        Assert.Contains("X-PrivateNexus-Delivery: ", message.Data, StringComparison.Ordinal);

        var metrics = await MetricsAsync();
        var line = metrics.Split('\n').Single(l => l.StartsWith("pnx_alerts_firing{severity=\"critical\"}", StringComparison.Ordinal));
        Assert.True(double.Parse(line.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture) >= 1, line);
    }

    [Fact]
    public async Task Alerts_with_their_transitions_cost_the_same_queries_for_one_alert_or_many()
    {
        var clients = new List<string>();
        GraphQLClient admin = null!;
        for (var i = 0; i < 4; i++)
        {
            (admin, var client, _) = await ClientWithServiceAsync("batch");
            await RuleAsync(admin, new { clientId = client, name = "quota", kind = "QUOTA_NEARLY_USED", threshold = 0.001 });
            clients.Add(client);
        }

        foreach (var client in clients)
        {
            await WaitForStateAsync(admin, client, "FIRING");
        }

        const string WithHistory = "query($c: ID) { alerts(clientId: $c, first: 50, state: FIRING) { items { id transitions(first: 5) { state at } } } }";
        async Task<(int Commands, int Alerts)> CountAsync(string? client)
        {
            await admin.DataAsync(WithHistory, new { c = client });
            var before = App.Commands.Count;
            var data = await admin.DataAsync(WithHistory, new { c = client });
            var items = data["alerts"]!["items"]!.AsArray();
            Assert.All(items, a => Assert.Equal("FIRING", a!["transitions"]![0]!["state"]!.GetValue<string>()));
            return (App.Commands.Count - before, items.Count);
        }

        var one = await CountAsync(clients[0]);
        var many = await CountAsync(null);
        Assert.Equal(1, one.Alerts);
        Assert.True(many.Alerts >= 4, $"{many.Alerts} alerts");
        Assert.Equal(one.Commands, many.Commands);
    }

    private async Task<string> MetricsAsync()
    {
        using var http = App.Http();
        return await http.GetStringAsync("/metrics", TestContext.Current.CancellationToken);
    }
}
