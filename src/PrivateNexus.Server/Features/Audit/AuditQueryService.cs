using Microsoft.EntityFrameworkCore;
using PrivateNexus.Server.Authorization;
using PrivateNexus.Server.Common;
using PrivateNexus.Server.Data;

namespace PrivateNexus.Server.Features.Audit;

public sealed record AuditFilter(
    Guid? ClientId = null,
    string? Action = null,
    string? ActorId = null,
    AuditOutcome? Outcome = null,
    string? TargetId = null,
    DateTimeOffset? From = null,
    DateTimeOffset? To = null);

/// <summary>Reading the audit trail: admins see everything, client owners their own client's events.</summary>
public sealed class AuditQueryService(PnxDbContext db, Rulebook rules)
{
    /// <summary>
    /// The clients whose audit events the caller may read: null for all (platform auditors, or the one
    /// client asked for). Refuses (audited) a client the caller may not read, or a caller who may read none.
    /// </summary>
    private async Task<IReadOnlySet<Guid>?> VisibleClientsAsync(Guid? clientId, CancellationToken cancellationToken)
    {
        var actor = await rules.RequireAuthenticatedAsync(cancellationToken);
        if (clientId is { } client)
        {
            await rules.RequireClientAsync(client, Permission.AuditRead, new("audit", null, client), "Client", cancellationToken);
            return null;
        }

        if (Rulebook.AllowsPlatform(actor, Permission.PlatformAuditRead))
        {
            return null;
        }

        var visible = await rules.ClientsAllowingAsync(Permission.AuditRead, cancellationToken) ?? new HashSet<Guid>();
        if (visible.Count == 0)
        {
            await rules.RequirePlatformAsync(Permission.PlatformAuditRead, new("audit", null, null), cancellationToken);
        }

        return visible;
    }

    /// <summary>Whether the actor may read audit events of this client (null: platform events).</summary>
    public static bool MayRead(Actor actor, Guid? clientId) =>
        Rulebook.AllowsPlatform(actor, Permission.PlatformAuditRead)
        || (clientId is { } id && Rulebook.Allows(actor, Permission.AuditRead, id));

    /// <summary>Whether the actor may read any audit events at all (the platform's, or one of their clients').</summary>
    public static bool MayReadAny(Actor actor) => MayRead(actor, null) || actor.ClientRoles.Keys.Any(c => MayRead(actor, c));

    /// <summary>For pushed events: the audit event if the caller may read it now, else null (nothing audited, so no feedback loop).</summary>
    public async Task<AuditEvent?> FindVisibleAsync(Guid id, CancellationToken cancellationToken)
    {
        var actor = await rules.ActorAsync(cancellationToken);
        var entry = await db.AuditEvents.AsNoTracking().SingleOrDefaultAsync(a => a.Id == id, cancellationToken);
        return entry is not null && MayRead(actor, entry.ClientId) ? entry : null;
    }

    /// <summary>Checks a subscription to new audit events (of one client, or all the caller may read), as listing them is checked.</summary>
    public Task AuthorizeWatchAsync(Guid? clientId, CancellationToken cancellationToken) => VisibleClientsAsync(clientId, cancellationToken);

    public async Task<Page<AuditEvent>> ListAsync(AuditFilter filter, PageRequest page, CancellationToken cancellationToken)
    {
        var query = db.AuditEvents.AsNoTracking();
        if (filter.ClientId is { } clientId)
        {
            await VisibleClientsAsync(clientId, cancellationToken);
            query = query.Where(a => a.ClientId == clientId);
        }
        else if (await VisibleClientsAsync(null, cancellationToken) is { } visible)
        {
            query = query.Where(a => a.ClientId != null && visible.Contains(a.ClientId.Value));
        }

        if (!string.IsNullOrWhiteSpace(filter.Action))
        {
            var action = filter.Action.Trim();
            query = action.EndsWith('*') ? query.Where(a => a.Action.StartsWith(action.TrimEnd('*'))) : query.Where(a => a.Action == action);
        }

        if (filter.ActorId is not null)
        {
            query = query.Where(a => a.ActorId == filter.ActorId);
        }

        if (filter.Outcome is { } outcome)
        {
            query = query.Where(a => a.Outcome == outcome);
        }

        if (filter.TargetId is not null)
        {
            query = query.Where(a => a.TargetId == filter.TargetId);
        }

        if (filter.From is { } from)
        {
            query = query.Where(a => a.Time >= from);
        }

        if (filter.To is { } to)
        {
            query = query.Where(a => a.Time < to);
        }

        return await query.OrderByDescending(a => a.Time).ThenByDescending(a => a.Id).ToPageAsync(page, cancellationToken);
    }
}
