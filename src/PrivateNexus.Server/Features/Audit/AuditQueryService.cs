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
    /// <summary>Whether the actor may read audit events of this client (null: platform events).</summary>
    public static bool MayRead(Actor actor, Guid? clientId) =>
        Rulebook.AllowsPlatform(actor, Permission.PlatformAuditRead)
        || (clientId is { } id && Rulebook.Allows(actor, Permission.AuditRead, id));

    /// <summary>For pushed events: the audit event if the caller may read it now, else null (nothing audited, so no feedback loop).</summary>
    public async Task<AuditEvent?> FindVisibleAsync(Guid id, CancellationToken cancellationToken)
    {
        var actor = await rules.ActorAsync(cancellationToken);
        var entry = await db.AuditEvents.AsNoTracking().SingleOrDefaultAsync(a => a.Id == id, cancellationToken);
        return entry is not null && MayRead(actor, entry.ClientId) ? entry : null;
    }

    public async Task<Page<AuditEvent>> ListAsync(AuditFilter filter, PageRequest page, CancellationToken cancellationToken)
    {
        var actor = await rules.RequireAuthenticatedAsync(cancellationToken);
        var query = db.AuditEvents.AsNoTracking();
        if (filter.ClientId is { } clientId)
        {
            await rules.RequireClientAsync(clientId, Permission.AuditRead, new("audit", null, clientId), "Client", cancellationToken);
            query = query.Where(a => a.ClientId == clientId);
        }
        else if (!Rulebook.AllowsPlatform(actor, Permission.PlatformAuditRead))
        {
            var visible = await rules.ClientsAllowingAsync(Permission.AuditRead, cancellationToken) ?? new HashSet<Guid>();
            if (visible.Count == 0)
            {
                await rules.RequirePlatformAsync(Permission.PlatformAuditRead, new("audit", null, null), cancellationToken);
            }

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
