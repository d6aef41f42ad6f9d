namespace PrivateNexus.Server.Features.Alerts;

public enum ChannelType
{
    /// <summary>HTTP POST of a JSON payload, signed with HMAC-SHA256 of the body.</summary>
    Webhook,

    /// <summary>A plain-text e-mail over the server's SMTP settings.</summary>
    Email,
}

/// <summary>Where alert transitions are sent: a client's (its owners manage it) or the platform's (staff).</summary>
public sealed class NotificationChannel
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    public Guid? ClientId { get; set; }

    public required string Name { get; set; }

    public ChannelType Type { get; set; }

    /// <summary>Webhook target (http or https).</summary>
    public string? Url { get; set; }

    /// <summary>The webhook's signing secret as Data Protection ciphertext; write-only through the API.</summary>
    public string? SecretCiphertext { get; set; }

    /// <summary>E-mail recipients.</summary>
    public List<string> Recipients { get; set; } = [];

    public bool Enabled { get; set; } = true;

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public long Version { get; set; }
}
