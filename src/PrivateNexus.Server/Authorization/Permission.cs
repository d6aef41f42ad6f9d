namespace PrivateNexus.Server.Authorization;

/// <summary>What an actor wants to do. Client-scoped ones are checked against a client organisation.</summary>
public enum Permission
{
    // client-scoped
    ClientRead,
    MembersRead,
    MembersManage,
    ServiceRead,
    ServiceOperate,
    ServiceManage,
    AuditRead,
    AutomationManage,

    /// <summary>Read a service's container logs: they can hold more than its status shows, so viewers may not.</summary>
    ServiceLogs,

    /// <summary>Read a client's alerts and alert rules.</summary>
    AlertRead,

    /// <summary>Manage a client's alert rules and notification channels (channels hold addresses and secrets).</summary>
    AlertManage,

    // platform-scoped
    ClientManage,
    NodeRead,
    NodeManage,
    UserRead,
    UserManage,
    PlatformAuditRead,

    /// <summary>Read platform-wide alerts and rules (node offline and every client's).</summary>
    PlatformAlertRead,

    /// <summary>Manage platform-wide alert rules and notification channels.</summary>
    PlatformAlertManage,
}

/// <summary>OAuth scopes of this API. A token must carry the scope for the kind of operation.</summary>
public static class ApiScopes
{
    public const string Read = "api:read";
    public const string Write = "api:write";

    public static readonly IReadOnlyList<string> All = [Read, Write];
}
