using System.ComponentModel.DataAnnotations;

namespace PrivateNexus.Server.Hosting;

/// <summary>
/// Every setting of the server. Bound from the <c>Pnx</c> configuration section, which the
/// <c>PNX_*</c> environment variables feed (see <see cref="PnxEnvironmentVariables"/>).
/// docs/configuration.md lists each one.
/// </summary>
public sealed class PnxOptions : IValidatableObject
{
    public const string Section = "Pnx";

    /// <summary>Where the embedded default keeps its database and keys.</summary>
    [Required]
    public string DataDir { get; set; } = "data";

    /// <summary>PostgreSQL connection (URL <c>postgres://…</c> or key=value string). Empty: SQLite in <see cref="DataDir"/>.</summary>
    public string? DatabaseUrl { get; set; }

    /// <summary>Apply pending migrations at start. Default: on for SQLite, off for PostgreSQL (use the <c>migrate</c> command).</summary>
    public bool? MigrateOnStart { get; set; }

    /// <summary>The server's public base URL; the token issuer. Empty: derived from the request.</summary>
    public Uri? PublicUrl { get; set; }

    public string? BootstrapAdminEmail { get; set; }

    public string? BootstrapAdminPassword { get; set; }

    /// <summary>Keep the Data Protection key ring in the database (several replicas) instead of <c>{DataDir}/keys</c>.</summary>
    public bool KeysInDatabase { get; set; }

    /// <summary>Requests per minute per client IP on the sign-in and token endpoints.</summary>
    [Range(1, 100_000)]
    public int AuthRequestsPerMinute { get; set; } = 30;

    /// <summary>Allow introspection (and the SDL endpoint) to anonymous callers.</summary>
    public bool AnonymousIntrospection { get; set; }

    /// <summary>Lifetime of access tokens issued by the OAuth server.</summary>
    [Range(typeof(TimeSpan), "00:00:05", "1.00:00:00")]
    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromMinutes(15);

    [Range(typeof(TimeSpan), "00:10:00", "90.00:00:00")]
    public TimeSpan RefreshTokenLifetime { get; set; } = TimeSpan.FromDays(14);

    /// <summary>Log format of the console and the log files: <c>text</c> or <c>json</c> (one compact JSON object per line).</summary>
    public string LogFormat { get; set; } = "text";

    /// <summary>Reverse proxies whose <c>X-Forwarded-*</c> headers are believed (read by HostingSetup).</summary>
    public List<string> TrustedProxies { get; set; } = [];

    public GraphQLLimits GraphQL { get; set; } = new();

    /// <summary>Redis (<c>redis://[:password@]host:port[/db]</c>) for the event bus across replicas and the shared cache. Empty: in process only.</summary>
    public string? RedisUrl { get; set; }

    /// <summary>Prometheus (<c>http://prometheus:9090</c>) that scrapes <c>/metrics</c>; the metrics and usage fields query it. Empty: those fields answer METRICS_UNAVAILABLE.</summary>
    public Uri? PrometheusUrl { get; set; }

    public RealtimeOptions Realtime { get; set; } = new();

    public MetricsOptions Metrics { get; set; } = new();

    /// <summary>Rules that span settings or need more than an attribute; each names its setting.</summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (PublicUrl is not null && (!PublicUrl.IsAbsoluteUri || PublicUrl.Scheme is not ("http" or "https")))
        {
            yield return new("must be an absolute http(s) URL such as https://nexus.example.com", [nameof(PublicUrl)]);
        }

        if (PrometheusUrl is not null && (!PrometheusUrl.IsAbsoluteUri || PrometheusUrl.Scheme is not ("http" or "https")))
        {
            yield return new("must be an absolute http(s) URL such as http://prometheus:9090", [nameof(PrometheusUrl)]);
        }

        if (string.IsNullOrWhiteSpace(BootstrapAdminEmail) != string.IsNullOrWhiteSpace(BootstrapAdminPassword))
        {
            yield return new(
                "set PNX_BOOTSTRAP_ADMIN_EMAIL and PNX_BOOTSTRAP_ADMIN_PASSWORD together, or neither",
                [string.IsNullOrWhiteSpace(BootstrapAdminEmail) ? nameof(BootstrapAdminEmail) : nameof(BootstrapAdminPassword)]);
        }
        else if (BootstrapAdminPassword is { Length: > 0 and < 10 })
        {
            yield return new("must be at least 10 characters long", [nameof(BootstrapAdminPassword)]);
        }

        if (!LogFormat.Equals("text", StringComparison.OrdinalIgnoreCase) && !LogFormat.Equals("json", StringComparison.OrdinalIgnoreCase))
        {
            yield return new($"'{LogFormat}' is not a log format: use text or json", [nameof(LogFormat)]);
        }

        for (var i = 0; i < TrustedProxies.Count; i++)
        {
            if (!System.Net.IPAddress.TryParse(TrustedProxies[i], out _))
            {
                yield return new($"'{TrustedProxies[i]}' is not an IP address (one address per entry, e.g. 10.0.0.5)", [$"{nameof(TrustedProxies)}:{i}"]);
            }
        }
    }
}

/// <summary>
/// The Prometheus endpoint <c>/metrics</c>. Closed to everything but loopback by default: the
/// numbers of every tenant are on it, and client containers on the same host reach the server over
/// private (bridge) addresses, so "private networks" would not be a safe default.
/// </summary>
public sealed class MetricsOptions
{
    /// <summary>Serve <c>/metrics</c> at all.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>When set, scrapes must send <c>Authorization: Bearer</c> with it (else 401); then any network may scrape unless <see cref="AllowedNetworks"/> narrows it.</summary>
    [MinLength(16)]
    public string? BearerToken { get; set; }

    /// <summary>CIDRs (<c>10.0.0.0/8</c>, <c>fd00::/8</c>) a scrape may come from (else 403). Empty: loopback only, or anywhere when a bearer token is set.</summary>
    [MetricsNetworks]
    public string[] AllowedNetworks { get; set; } = [];
}

/// <summary>Every entry of <see cref="MetricsOptions.AllowedNetworks"/> parses as a CIDR (or a single address).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class MetricsNetworksAttribute : ValidationAttribute
{
    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext) =>
        value is IEnumerable<string> networks && networks.FirstOrDefault(n => !Features.Metrics.MetricsAccess.TryParseNetwork(n, out _)) is { } bad
            ? new ValidationResult($"'{bad}' is not a network in CIDR notation (e.g. 10.0.0.0/8).")
            : ValidationResult.Success;
}

/// <summary>The WebSocket transport (graphql-transport-ws) and its limits.</summary>
public sealed class RealtimeOptions
{
    /// <summary>How long a new socket may take to send connection_init before it is closed with 4408.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan ConnectionInitTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the server pings an idle socket (the client answers pong); keeps proxies from closing it.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Open sockets per user or application; one more is closed with 4429.</summary>
    [Range(1, 10_000)]
    public int MaxConnectionsPerUser { get; set; } = 20;

    /// <summary>Operations running at once on one socket; one more is answered with an error message.</summary>
    [Range(1, 10_000)]
    public int MaxSubscriptionsPerConnection { get; set; } = 100;

    /// <summary>Messages waiting to be sent to one socket; a client that lets more pile up is closed (1013, slow consumer).</summary>
    [Range(16, 1_000_000)]
    public int SendQueueLimit { get; set; } = 1_000;

    /// <summary>How often a socket re-checks that its user or application is still active (and its token unrevoked).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan CredentialRecheckInterval { get; set; } = TimeSpan.FromSeconds(30);
}

public sealed class GraphQLLimits
{
    [Range(1_024, 10 * 1024 * 1024)]
    public int MaxRequestBytes { get; set; } = 100 * 1024;

    [Range(2, 50)]
    public int MaxDepth { get; set; } = 12;

    [Range(10, 1_000_000)]
    public int MaxComplexity { get; set; } = 50_000;

    [Range(1, 1_000)]
    public int MaxAliases { get; set; } = 30;

    [Range(1, 100_000)]
    public int DocumentCacheSize { get; set; } = 1_000;
}
