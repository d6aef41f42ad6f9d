using PrivateNexus.Tests.Engine;

namespace PrivateNexus.Tests.Alerts;

/// <summary>
/// A server of its own against the private Docker engine, evaluating alert rules every second, whose
/// clients' webhooks may reach the loopback listener of the test, and told where its Prometheus will
/// listen (a test that needs it starts one there; until then CPU and memory rules are skipped).
/// </summary>
public sealed class AlertsEngineApp : EngineApp
{
    public int PrometheusPort { get; } = Metrics.PrometheusServer.FreePort();

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
    {
        ["Pnx:PrometheusUrl"] = $"http://127.0.0.1:{PrometheusPort}",
        ["Pnx:Alerts:EvaluationInterval"] = "00:00:01",
        ["Pnx:Alerts:AllowPrivateWebhookTargets"] = "true",
    };
}

[CollectionDefinition(nameof(AlertsEngineCollection))]
public sealed class AlertsEngineCollection : ICollectionFixture<AlertsEngineApp>;

/// <summary>
/// The swarm engine's server (replicated services run as Swarm services) evaluating alert rules every
/// second: the Swarm engine suite's fixture with one more setting.
/// </summary>
public sealed class AlertsSwarmEngineApp : SwarmEngineApp
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
    {
        ["Pnx:Alerts:EvaluationInterval"] = "00:00:01",
    };
}

[CollectionDefinition(nameof(AlertsSwarmEngineCollection))]
public sealed class AlertsSwarmEngineCollection : ICollectionFixture<AlertsSwarmEngineApp>;
