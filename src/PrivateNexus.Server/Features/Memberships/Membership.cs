using PrivateNexus.Server.Features.Clients;
using PrivateNexus.Server.Features.Users;

namespace PrivateNexus.Server.Features.Memberships;

/// <summary>Ordered by power: a higher role includes everything a lower one may do.</summary>
public enum ClientRole
{
    Viewer = 1,
    Member = 2,
    Owner = 3,
}

/// <summary>A user's role in one client organisation.</summary>
public sealed class Membership
{
    public Guid ClientId { get; set; }

    public Guid UserId { get; set; }

    public ClientRole Role { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public Client? Client { get; set; }

    public User? User { get; set; }
}
