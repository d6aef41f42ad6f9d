using PrivateNexus.Tests.Infrastructure;

namespace PrivateNexus.Tests.Alerts;

/// <summary>A server keeping alert history for two seconds only, to watch it pruned.</summary>
public sealed class ShortHistoryApp : PnxApp
{
    public override string Provider => "sqlite";

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Pnx:Alerts:HistoryRetention"] = "00:00:02",
    };

    public override Task<string?> ReadStoredAsync(string table, string column, string id) => throw new NotSupportedException();
}

public sealed class AlertHistoryTests(ShortHistoryApp app) : AppTests(app), IClassFixture<ShortHistoryApp>
{
    private const string Alerts = "query($c: ID) { alerts(clientId: $c) { items { state transitions { state } } } }";

    [Fact]
    public async Task Old_history_is_pruned_but_never_the_transition_of_an_alert_still_firing()
    {
        var admin = await App.AdminAsync();
        await admin.EnsureNodeAsync();
        var client = await admin.CreateClientAsync(Unique("history"));
        await admin.CreateServiceAsync(client, "web");
        var rule = (await admin.DataAsync(
            "mutation($input: CreateAlertRuleInput!) { createAlertRule(input: $input) { id } }",
            new { input = new { clientId = client, name = "quota", kind = "QUOTA_NEARLY_USED", threshold = 0.001 } }))["createAlertRule"]!["id"]!.GetValue<string>();

        Assert.True(await Eventually.TrueAsync(async () => await StatesAsync(admin, client) == "FIRING:FIRING", TimeSpan.FromSeconds(20)), await StatesAsync(admin, client));

        // Far past the retention, the firing alert keeps the transition it fired with.
        await Task.Delay(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        Assert.Equal("FIRING:FIRING", await StatesAsync(admin, client));

        await admin.DataAsync("mutation($id: ID!) { updateAlertRule(input: { id: $id, enabled: false }) { id } }", new { id = rule });
        Assert.True(await Eventually.TrueAsync(async () => await StatesAsync(admin, client) == "RESOLVED:", TimeSpan.FromSeconds(20)), await StatesAsync(admin, client));
    }

    /// <summary>"state:transition,transition" of the client's one alert.</summary>
    private static async Task<string> StatesAsync(GraphQLClient admin, string client)
    {
        var alert = (await admin.DataAsync(Alerts, new { c = client }))["alerts"]!["items"]!.AsArray().SingleOrDefault();
        return alert is null ? "none" : $"{alert["state"]!.GetValue<string>()}:{string.Join(',', alert["transitions"]!.AsArray().Select(t => t!["state"]!.GetValue<string>()))}";
    }
}
