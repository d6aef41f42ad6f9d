using PrivateNexus.Tests.Infrastructure;
using PrivateNexus.Tests.Realtime;

namespace PrivateNexus.Tests.Alerts;

/// <summary>
/// Two replicas on one PostgreSQL and one Redis, both running the evaluator: one holds the alerting
/// lease, so a transition reaches the webhook once, not once per replica.
/// </summary>
public sealed class AlertReplicaTests(AlertReplicaPair pair) : IClassFixture<AlertReplicaPair>
{
    [Fact]
    public async Task Two_replicas_send_a_transition_once_and_only_the_leader_reports_firing_alerts()
    {
        pair.RequireAvailable();
        var adminA = await pair.A.AdminAsync();
        await adminA.EnsureNodeAsync();
        var client = await adminA.CreateClientAsync($"pair-{Guid.NewGuid():N}"[..15]);
        await adminA.CreateServiceAsync(client, "web");
        await using var receiver = new WebhookReceiver();
        var channel = (await adminA.DataAsync(
            "mutation($input: CreateNotificationChannelInput!) { createNotificationChannel(input: $input) { id } }",
            new { input = new { clientId = client, name = "hook", type = "WEBHOOK", url = receiver.Url, secret = "replica-test-secret" } }))["createNotificationChannel"]!["id"]!.GetValue<string>();
        await adminA.DataAsync(
            "mutation($input: CreateAlertRuleInput!) { createAlertRule(input: $input) { id } }",
            new { input = new { clientId = client, name = "quota", kind = "QUOTA_NEARLY_USED", threshold = 0.001, channelIds = new[] { channel } } });

        Assert.True(await Eventually.TrueAsync(() => Task.FromResult(!receiver.Received.IsEmpty), TimeSpan.FromSeconds(30)), "the firing alert is sent");
        await Task.Delay(TimeSpan.FromSeconds(4), TestContext.Current.CancellationToken);
        Assert.Single(receiver.Attempts);

        var firing = new List<double>();
        foreach (var replica in new[] { pair.A, pair.B })
        {
            using var http = replica.Http();
            var metrics = await http.GetStringAsync("/metrics", TestContext.Current.CancellationToken);
            var line = metrics.Split('\n').Single(l => l.StartsWith("pnx_alerts_firing{severity=\"warning\"}", StringComparison.Ordinal));
            firing.Add(double.Parse(line.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture));
        }

        Assert.Single(firing, f => f >= 1);
        Assert.Single(firing, f => f == 0);
    }
}

/// <summary>Two replicas as in <see cref="ReplicaPair"/>, whose clients' webhooks may reach the test's loopback listener.</summary>
public sealed class AlertReplicaPair : ReplicaPair
{
    protected override IReadOnlyDictionary<string, string?> ExtraSettings { get; } =
        new Dictionary<string, string?> { ["Pnx:Alerts:AllowPrivateWebhookTargets"] = "true" };
}
