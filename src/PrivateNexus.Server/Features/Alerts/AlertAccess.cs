using PrivateNexus.Server.Authorization;
using PrivateNexus.Server.Features.Audit;

namespace PrivateNexus.Server.Features.Alerts;

/// <summary>
/// The rulebook's questions for alerting, in one place: a client's rules, channels and alerts are
/// checked against that client (AlertRead, AlertManage), platform-wide ones (no client) against the
/// platform permissions, which only staff hold.
/// </summary>
internal static class AlertAccess
{
    public static Task<Actor> RequireReadAsync(this Rulebook rules, Guid? clientId, AuditTarget target, string what, CancellationToken cancellationToken) =>
        clientId is { } id
            ? rules.RequireClientAsync(id, Permission.AlertRead, target, what, cancellationToken)
            : rules.RequirePlatformAsync(Permission.PlatformAlertRead, target, cancellationToken);

    public static Task<Actor> RequireManageAsync(this Rulebook rules, Guid? clientId, AuditTarget target, string what, CancellationToken cancellationToken) =>
        clientId is { } id
            ? rules.RequireClientAsync(id, Permission.AlertManage, target, what, cancellationToken)
            : rules.RequirePlatformAsync(Permission.PlatformAlertManage, target, cancellationToken);

    /// <summary>
    /// For a change to an existing object: a missing one is checked like another tenant's, so the
    /// answer never tells the two apart (NOT_FOUND); platform objects are refused by role.
    /// </summary>
    public static Task<Actor> RequireManageExistingAsync(
        this Rulebook rules, bool exists, Guid? clientId, AuditTarget target, string what, CancellationToken cancellationToken) =>
        !exists || clientId is not null
            ? rules.RequireClientAsync(clientId ?? Guid.Empty, Permission.AlertManage, target, what, cancellationToken)
            : rules.RequirePlatformAsync(Permission.PlatformAlertManage, target, cancellationToken);

    public static bool MayRead(Actor actor, Guid? clientId) =>
        clientId is { } id ? Rulebook.Allows(actor, Permission.AlertRead, id) : Rulebook.AllowsPlatform(actor, Permission.PlatformAlertRead);
}
