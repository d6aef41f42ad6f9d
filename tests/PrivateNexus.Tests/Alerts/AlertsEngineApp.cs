using PrivateNexus.Tests.Engine;

namespace PrivateNexus.Tests.Alerts;

/// <summary>
/// A server of its own against the private Docker engine, evaluating alert rules every second, whose
/// clients' webhooks may reach the loopback listener of the test.
/// </summary>
public sealed class AlertsEngineApp : EngineApp
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
    {
        ["Pnx:Alerts:EvaluationInterval"] = "00:00:01",
        ["Pnx:Alerts:AllowPrivateWebhookTargets"] = "true",
    };
}

[CollectionDefinition(nameof(AlertsEngineCollection))]
public sealed class AlertsEngineCollection : ICollectionFixture<AlertsEngineApp>;
