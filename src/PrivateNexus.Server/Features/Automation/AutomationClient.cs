namespace PrivateNexus.Server.Features.Automation;

/// <summary>
/// An OAuth client-credentials application (CI, scripts, other systems). The secret is held,
/// hashed, by OpenIddict's application store; this row says what the application may do.
/// </summary>
public sealed class AutomationClient
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    /// <summary>The OAuth <c>client_id</c>.</summary>
    public required string ClientIdentifier { get; set; }

    public required string DisplayName { get; set; }

    /// <summary>The client organisation it is bound to; null for a platform application.</summary>
    public Guid? OrganisationId { get; set; }

    /// <summary>For a platform application: Admin or Operator. For a bound one: Owner, Member or Viewer.</summary>
    public required string Role { get; set; }

    public List<string> Scopes { get; set; } = [];

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? RevokedAt { get; set; }
}
