using PrivateNexus.Server.Features.Audit;
using PrivateNexus.Server.Features.Memberships;
using PrivateNexus.Server.Features.Users;

namespace PrivateNexus.Server.Authorization;

/// <summary>
/// Who is calling, as the rulebook needs to know it: identity, platform role, client roles and
/// the scopes of the credential used. Built once per request from the token and a cached directory.
/// </summary>
public sealed record Actor(
    ActorType Type,
    string? Id,
    string Name,
    Guid? UserId,
    PlatformRole PlatformRole,
    IReadOnlyDictionary<Guid, ClientRole> ClientRoles,
    IReadOnlySet<string> Scopes)
{
    public static readonly Actor Anonymous = new(
        ActorType.Anonymous, null, "anonymous", null, PlatformRole.None,
        new Dictionary<Guid, ClientRole>(), new HashSet<string>());

    public static readonly Actor System = new(
        ActorType.System, "system", "system", null, PlatformRole.Admin,
        new Dictionary<Guid, ClientRole>(), new HashSet<string>(ApiScopes.All));

    public bool IsAuthenticated => Type != ActorType.Anonymous;

    public bool IsStaff => PlatformRole is PlatformRole.Admin or PlatformRole.Operator;

    public ClientRole? RoleIn(Guid clientId) => ClientRoles.TryGetValue(clientId, out var role) ? role : null;
}
