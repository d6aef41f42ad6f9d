namespace PrivateNexus.Server.Features.ApiTokens;

/// <summary>A personal token for scripts. Only its SHA-256 is stored; the token is shown once.</summary>
public sealed class ApiToken
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    public Guid UserId { get; set; }

    public required string Name { get; set; }

    /// <summary>The first characters of the token, so a user can tell tokens apart.</summary>
    public required string Prefix { get; set; }

    public required string TokenHash { get; set; }

    public List<string> Scopes { get; set; } = [];

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }

    public DateTimeOffset? LastUsedAt { get; set; }

    public DateTimeOffset? RevokedAt { get; set; }
}
