using PrivateNexus.Server.Features.Memberships;
using PrivateNexus.Server.Features.Users;

namespace PrivateNexus.Server.Authorization;

/// <summary>
/// The role → permission table; the single place that says who may do what. docs/api.md renders it.
/// Default deny: a permission not listed for a role is refused.
/// </summary>
public static class RolePermissions
{
    private static readonly Dictionary<PlatformRole, HashSet<Permission>> Platform = new()
    {
        [PlatformRole.Admin] = [.. Enum.GetValues<Permission>()],
        [PlatformRole.Operator] =
        [
            Permission.ClientRead, Permission.MembersRead, Permission.ServiceRead, Permission.ServiceOperate,
            Permission.ServiceManage, Permission.NodeRead, Permission.ServiceLogs,
            Permission.AlertRead, Permission.AlertManage, Permission.PlatformAlertRead, Permission.PlatformAlertManage,
        ],
        [PlatformRole.None] = [],
    };

    private static readonly Dictionary<ClientRole, HashSet<Permission>> InClient = new()
    {
        [ClientRole.Owner] =
        [
            Permission.ClientRead, Permission.MembersRead, Permission.MembersManage, Permission.ServiceRead,
            Permission.ServiceOperate, Permission.ServiceManage, Permission.AuditRead, Permission.AutomationManage,
            Permission.ServiceLogs, Permission.AlertRead, Permission.AlertManage,
        ],
        [ClientRole.Member] = [Permission.ClientRead, Permission.ServiceRead, Permission.ServiceOperate, Permission.ServiceLogs, Permission.AlertRead],
        [ClientRole.Viewer] = [Permission.ClientRead, Permission.ServiceRead, Permission.AlertRead],
    };

    public static bool PlatformAllows(PlatformRole role, Permission permission) => Platform[role].Contains(permission);

    public static bool ClientAllows(ClientRole? role, Permission permission) =>
        role is { } r && InClient[r].Contains(permission);

    /// <summary>Mutating permissions need the write scope; everything else the read scope.</summary>
    public static string RequiredScope(Permission permission) => permission switch
    {
        Permission.MembersManage or Permission.ServiceOperate or Permission.ServiceManage or Permission.AutomationManage
            or Permission.ClientManage or Permission.NodeManage or Permission.UserManage
            or Permission.AlertManage or Permission.PlatformAlertManage => ApiScopes.Write,
        _ => ApiScopes.Read,
    };
}
