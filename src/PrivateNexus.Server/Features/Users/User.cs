using Microsoft.AspNetCore.Identity;

namespace PrivateNexus.Server.Features.Users;

public enum UserStatus
{
    Active,
    Disabled,
}

/// <summary>Provider-wide role of a user, on top of any per-client memberships.</summary>
public enum PlatformRole
{
    None,
    Operator,
    Admin,
}

/// <summary>A person who signs in. Password hashing and lockout are ASP.NET Identity's.</summary>
public sealed class User : IdentityUser<Guid>
{
    public User() => Id = Guid.CreateVersion7();

    public string DisplayName { get; set; } = "";

    public UserStatus Status { get; set; }

    public PlatformRole PlatformRole { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public DateTimeOffset? LastSignInAt { get; set; }
}
