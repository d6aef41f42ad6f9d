using System.ComponentModel.DataAnnotations;

namespace PrivateNexus.Server.Engine;

/// <summary>How the control plane talks to Docker engines (section <c>Pnx:Engine</c>, variables <c>PNX_ENGINE__*</c>).</summary>
public sealed class EngineOptions : IValidatableObject
{
    public const string Section = "Pnx:Engine";

    /// <summary>Run the per-node agents (state mirror and reconciler). Off: desired state is only stored.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Register the local Docker socket as node "local" when no node exists yet.</summary>
    public bool RegisterLocalNode { get; set; } = true;

    /// <summary>A full re-read of each engine's containers, on top of its event stream.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan ResyncInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Converge each node at least this often, even without a change.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan ReconcileInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Longest wait for one engine call; a slower node is marked degraded, never waited on by readers.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Longest wait for an image pull.</summary>
    [Range(typeof(TimeSpan), "00:00:10", "02:00:00")]
    public TimeSpan PullTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long a new revision has to run (and be healthy) before it is rolled back automatically.</summary>
    [Range(typeof(TimeSpan), "00:00:05", "01:00:00")]
    public TimeSpan RolloutTimeout { get; set; } = TimeSpan.FromMinutes(3);

    /// <summary>Host ports clients may publish, inclusive.</summary>
    [Range(1, 65_535)]
    public int PortRangeStart { get; set; } = 10_000;

    [Range(1, 65_535)]
    public int PortRangeEnd { get; set; } = 39_999;

    /// <summary>The host address published ports bind to.</summary>
    public string PublishAddress { get; set; } = "0.0.0.0";

    /// <summary>How often each node's running containers are sampled for CPU, memory, network and block I/O; zero turns sampling off.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan StatsInterval { get; set; } = TimeSpan.FromSeconds(15);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (PortRangeStart > PortRangeEnd)
        {
            yield return new($"must not be above PNX_ENGINE__PORT_RANGE_END ({PortRangeEnd})", [nameof(PortRangeStart)]);
        }

        if (!System.Net.IPAddress.TryParse(PublishAddress, out _))
        {
            yield return new($"'{PublishAddress}' is not an IP address (e.g. 0.0.0.0 or 127.0.0.1)", [nameof(PublishAddress)]);
        }
    }
}
