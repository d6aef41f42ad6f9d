using System.ComponentModel.DataAnnotations;

namespace PrivateNexus.Server.Features.Alerts;

/// <summary>Alert evaluation and notification (<c>Pnx:Alerts</c>, <c>PNX_ALERTS__*</c>).</summary>
public sealed class AlertsOptions
{
    public const string Section = "Pnx:Alerts";

    /// <summary>Evaluate rules and send notifications on this replica (still only while it holds the alerting lease).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How often rules are evaluated. The rules' <c>for</c> durations are only as exact as this.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan EvaluationInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Attempts per notification (with growing pauses between them: <see cref="RetryDelay"/>, twice that, …) before it is given up.</summary>
    [Range(1, 50)]
    public int DeliveryAttempts { get; set; } = 6;

    /// <summary>The pause after a notification's first failed attempt; each further one doubles it.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long alert transitions and finished notification deliveries are kept (the transition of an
    /// alert still firing is kept however old). Pruned at most hourly by the evaluating replica.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "3650.00:00:00")]
    public TimeSpan HistoryRetention { get; set; } = TimeSpan.FromDays(90);

    /// <summary>
    /// Let clients' webhooks reach loopback, private and link-local addresses. Off by default: a client
    /// owner must not be able to make the server call into the provider's own network. Platform
    /// channels (staff) may always.
    /// </summary>
    public bool AllowPrivateWebhookTargets { get; set; }
}

public enum SmtpSecurity
{
    /// <summary>TLS on connect for port 465, STARTTLS when the server offers it otherwise.</summary>
    Auto,
    None,
    StartTls,
    SslOnConnect,
}

/// <summary>The mail server for e-mail channels (<c>Pnx:Smtp</c>, <c>PNX_SMTP__*</c>). Without a host, e-mail channels cannot be made.</summary>
public sealed class SmtpOptions : IValidatableObject
{
    public const string Section = "Pnx:Smtp";

    public string? Host { get; set; }

    [Range(1, 65535)]
    public int Port { get; set; } = 587;

    public SmtpSecurity Security { get; set; } = SmtpSecurity.Auto;

    public string? Username { get; set; }

    public string? Password { get; set; }

    /// <summary>The sender, e.g. <c>PrivateNexus &lt;alerts@example.com&gt;</c>.</summary>
    public string? From { get; set; }

    public bool Configured => !string.IsNullOrWhiteSpace(Host);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Configured)
        {
            if (!string.IsNullOrWhiteSpace(From) || !string.IsNullOrWhiteSpace(Username))
            {
                yield return new("must be set when other SMTP settings are (e.g. smtp.example.com)", [nameof(Host)]);
            }

            yield break;
        }

        if (Uri.CheckHostName(Host) == UriHostNameType.Unknown)
        {
            yield return new($"'{Host}' is not a host name or address", [nameof(Host)]);
        }

        if (string.IsNullOrWhiteSpace(From) || !MimeKit.MailboxAddress.TryParse(From, out _))
        {
            yield return new("must be the sender's address, e.g. alerts@example.com or \"PrivateNexus <alerts@example.com>\"", [nameof(From)]);
        }

        if (string.IsNullOrEmpty(Username) != string.IsNullOrEmpty(Password))
        {
            yield return new("set the SMTP user name and password together, or neither", [string.IsNullOrEmpty(Username) ? nameof(Username) : nameof(Password)]);
        }
    }
}
