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

    // platform-scoped
    ClientManage,
    NodeRead,
    NodeManage,
    UserRead,
    UserManage,
    PlatformAuditRead,
}

/// <summary>OAuth scopes of this API. A token must carry the scope for the kind of operation.</summary>
public static class ApiScopes
{
    public const string Read = "api:read";
    public const string Write = "api:write";

    public static readonly IReadOnlyList<string> All = [Read, Write];
}
