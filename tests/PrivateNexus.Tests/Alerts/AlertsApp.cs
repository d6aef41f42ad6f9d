using PrivateNexus.Tests.Infrastructure;

namespace PrivateNexus.Tests.Alerts;

/// <summary>
/// A server of its own for notification paths: a fake Prometheus for CPU and memory rules, an SMTP
/// listener for e-mail channels, loopback webhooks allowed, and retries after a second.
/// </summary>
public sealed class AlertsApp : PnxApp
{
    public Metrics.FakePrometheus Prometheus { get; private set; } = null!;

    public SmtpReceiver Smtp { get; private set; } = null!;

    public override string Provider => "sqlite";

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Pnx:PrometheusUrl"] = Prometheus.Address.ToString(),
        ["Pnx:Alerts:AllowPrivateWebhookTargets"] = "true",
        ["Pnx:Alerts:RetryDelay"] = "00:00:01",
        ["Pnx:Smtp:Host"] = "127.0.0.1",
        ["Pnx:Smtp:Port"] = Smtp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Pnx:Smtp:Security"] = "None",
        ["Pnx:Smtp:From"] = "PrivateNexus <alerts@example.test>",
    };

    public override async ValueTask InitializeAsync()
    {
        Prometheus = await Metrics.FakePrometheus.StartAsync();
        Smtp = new SmtpReceiver();
        await base.InitializeAsync();
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await Prometheus.DisposeAsync();
        await Smtp.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    public override Task<string?> ReadStoredAsync(string table, string column, string id) => throw new NotSupportedException();
}
