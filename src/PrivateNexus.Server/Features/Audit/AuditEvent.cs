namespace PrivateNexus.Server.Features.Audit;

public enum AuditOutcome
{
    Success,
    Denied,
    Failed,
}

public enum ActorType
{
    Anonymous,
    User,
    ApiToken,
    Application,
    System,
}

/// <summary>One thing that happened, who did it, to what, and how it ended. Never holds a secret.</summary>
public sealed class AuditEvent
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    public DateTimeOffset Time { get; set; }

    public ActorType ActorType { get; set; }

    public string? ActorId { get; set; }

    public string? ActorName { get; set; }

    /// <summary>Dotted verb, e.g. <c>client.create</c>, <c>auth.login</c>.</summary>
    public required string Action { get; set; }

    public string? TargetType { get; set; }

    public string? TargetId { get; set; }

    /// <summary>The client organisation concerned, so owners can read their own trail.</summary>
    public Guid? ClientId { get; set; }

    public AuditOutcome Outcome { get; set; }

    public string? SourceIp { get; set; }

    /// <summary>JSON with secrets already redacted.</summary>
    public string? Details { get; set; }

    public string? CorrelationId { get; set; }
}
