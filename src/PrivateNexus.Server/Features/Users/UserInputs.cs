namespace PrivateNexus.Server.Features.Users;

/// <summary>Without a password, the user gets a one-time link to set one (returned once).</summary>
public sealed record CreateUserInput(string Email, string? DisplayName, string? Password, PlatformRole PlatformRole = PlatformRole.None);

public sealed record UpdateUserInput(Guid Id, string? DisplayName, PlatformRole? PlatformRole);

public sealed record UserFilter(string? Search = null, UserStatus? Status = null, PlatformRole? PlatformRole = null);

/// <summary>A created or invited user, with the one-time link to set a password when there is one.</summary>
public sealed record UserWithInvitation(User User, string? InvitationUrl);
