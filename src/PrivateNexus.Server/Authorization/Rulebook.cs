using PrivateNexus.Server.Common;
using PrivateNexus.Server.Features.Audit;

namespace PrivateNexus.Server.Authorization;

/// <summary>
/// The one place feature services ask "may the caller do this?". Resource-based and default deny.
/// Objects of clients the caller cannot read are reported NOT_FOUND, so their existence never leaks;
/// every refusal is audited.
/// </summary>
public sealed class Rulebook(CurrentActor current, AuditLog audit)
{
    public ValueTask<Actor> ActorAsync(CancellationToken cancellationToken = default) => current.GetAsync(cancellationToken);

    public async Task<Actor> RequireAuthenticatedAsync(CancellationToken cancellationToken = default)
    {
        var actor = await current.GetAsync(cancellationToken);
        return actor.IsAuthenticated ? actor : throw DomainException.Unauthenticated();
    }

    /// <summary>
    /// For changes to the caller's own account and credentials, which no role governs: the
    /// credential itself must carry the write scope, so a read-only token cannot upgrade itself.
    /// </summary>
    public async Task<Actor> RequireWriteScopeAsync(AuditTarget target, CancellationToken cancellationToken = default)
    {
        var actor = await RequireAuthenticatedAsync(cancellationToken);
        if (actor.Type == ActorType.System || actor.Scopes.Contains(ApiScopes.Write))
        {
            return actor;
        }

        await audit.RecordNowAsync(actor, "denied.scope", target, AuditOutcome.Denied, cancellationToken: cancellationToken);
        throw DomainException.Forbidden($"The credential lacks the '{ApiScopes.Write}' scope.");
    }

    /// <summary>True when the caller may do <paramref name="permission"/> on the given client.</summary>
    public static bool Allows(Actor actor, Permission permission, Guid clientId) =>
        HasScope(actor, permission)
        && (RolePermissions.PlatformAllows(actor.PlatformRole, permission)
            || RolePermissions.ClientAllows(actor.RoleIn(clientId), permission));

    public static bool AllowsPlatform(Actor actor, Permission permission) =>
        HasScope(actor, permission) && RolePermissions.PlatformAllows(actor.PlatformRole, permission);

    /// <summary>Throws NOT_FOUND when the client is invisible to the caller, FORBIDDEN when visible but not allowed.</summary>
    public async Task<Actor> RequireClientAsync(
        Guid clientId, Permission permission, AuditTarget target, string what, CancellationToken cancellationToken = default)
    {
        var actor = await RequireAuthenticatedAsync(cancellationToken);
        if (Allows(actor, permission, clientId))
        {
            return actor;
        }

        // Anyone with a role in the client (or staff) knows it exists; to everyone else it does not.
        var visible = actor.RoleIn(clientId) is not null || RolePermissions.PlatformAllows(actor.PlatformRole, Permission.ClientRead);
        await audit.RecordNowAsync(actor, $"denied.{permission}", target, AuditOutcome.Denied, cancellationToken: cancellationToken);
        throw visible ? Forbidden(actor, permission) : DomainException.NotFound(what);
    }

    public async Task<Actor> RequirePlatformAsync(Permission permission, AuditTarget target, CancellationToken cancellationToken = default)
    {
        var actor = await RequireAuthenticatedAsync(cancellationToken);
        if (AllowsPlatform(actor, permission))
        {
            return actor;
        }

        await audit.RecordNowAsync(actor, $"denied.{permission}", target, AuditOutcome.Denied, cancellationToken: cancellationToken);
        throw Forbidden(actor, permission);
    }

    /// <summary>The clients whose objects the caller may list with <paramref name="permission"/>; null means all.</summary>
    public async Task<IReadOnlySet<Guid>?> ClientsAllowingAsync(Permission permission, CancellationToken cancellationToken = default)
    {
        var actor = await RequireAuthenticatedAsync(cancellationToken);
        if (!HasScope(actor, permission))
        {
            throw Forbidden(actor, permission);
        }

        if (RolePermissions.PlatformAllows(actor.PlatformRole, permission))
        {
            return null;
        }

        return actor.ClientRoles.Where(kv => RolePermissions.ClientAllows(kv.Value, permission)).Select(kv => kv.Key).ToHashSet();
    }

    private static bool HasScope(Actor actor, Permission permission) =>
        actor.Type == ActorType.System || actor.Scopes.Contains(RolePermissions.RequiredScope(permission));

    private static DomainException Forbidden(Actor actor, Permission permission) =>
        HasScope(actor, permission)
            ? DomainException.Forbidden($"Your role does not allow {permission}.")
            : DomainException.Forbidden($"The credential lacks the '{RolePermissions.RequiredScope(permission)}' scope.");
}
