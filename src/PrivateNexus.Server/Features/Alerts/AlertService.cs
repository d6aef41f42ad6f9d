using Microsoft.EntityFrameworkCore;
using PrivateNexus.Server.Authorization;
using PrivateNexus.Server.Common;
using PrivateNexus.Server.Data;

namespace PrivateNexus.Server.Features.Alerts;

/// <summary>Reading alerts: a client's for its people (owners, members, viewers), platform-wide ones for staff.</summary>
public sealed class AlertService(PnxDbContext db, Rulebook rules)
{
    public const int MaxTransitions = 100;

    public async Task<Page<Alert>> ListAsync(AlertFilter filter, PageRequest page, CancellationToken cancellationToken)
    {
        var query = await VisibleAsync(filter.ClientId, cancellationToken);
        if (filter.State is { } state)
        {
            query = query.Where(a => a.State == state);
        }

        return await query.OrderByDescending(a => a.ActiveAt).ThenByDescending(a => a.Id).ToPageAsync(page, cancellationToken);
    }

    /// <summary>The alert's firing and resolved transitions, newest first (the alert was read through the rulebook).</summary>
    public async Task<IReadOnlyList<AlertTransition>> TransitionsAsync(Alert alert, int first, CancellationToken cancellationToken)
    {
        var actor = await rules.ActorAsync(cancellationToken);
        if (!AlertAccess.MayRead(actor, alert.ClientId))
        {
            return [];
        }

        return await db.AlertTransitions.AsNoTracking()
            .Where(t => t.AlertId == alert.Id)
            .OrderByDescending(t => t.At).ThenByDescending(t => t.Id)
            .Take(Math.Clamp(first, 0, MaxTransitions))
            .ToListAsync(cancellationToken);
    }

    /// <summary>Whether the actor may read alerts of this client (null: platform alerts); asked again for every pushed event.</summary>
    public static bool MayRead(Actor actor, Guid? clientId) => AlertAccess.MayRead(actor, clientId);

    /// <summary>Checks a subscription to alert changes (one client's, or all the caller may read) as listing them is checked.</summary>
    public Task AuthorizeWatchAsync(Guid? clientId, CancellationToken cancellationToken) => VisibleAsync(clientId, cancellationToken);

    /// <summary>For pushed events: the alert if the caller may read it now, else null (nothing audited: a push is not a request).</summary>
    public async Task<Alert?> FindVisibleAsync(Guid id, CancellationToken cancellationToken)
    {
        var actor = await rules.ActorAsync(cancellationToken);
        var alert = await db.Alerts.AsNoTracking().SingleOrDefaultAsync(a => a.Id == id, cancellationToken);
        return alert is not null && MayRead(actor, alert.ClientId) ? alert : null;
    }

    /// <summary>
    /// The alerts the caller may list: one client's (checked, refusal audited), or without a client
    /// every client's it may read plus the platform's for staff.
    /// </summary>
    private async Task<IQueryable<Alert>> VisibleAsync(Guid? clientId, CancellationToken cancellationToken)
    {
        var query = db.Alerts.AsNoTracking();
        if (clientId is { } id)
        {
            await rules.RequireClientAsync(id, Permission.AlertRead, new("alert", null, id), "Client", cancellationToken);
            return query.Where(a => a.ClientId == id);
        }

        var actor = await rules.RequireAuthenticatedAsync(cancellationToken);
        var clients = await rules.ClientsAllowingAsync(Permission.AlertRead, cancellationToken);
        var platform = Rulebook.AllowsPlatform(actor, Permission.PlatformAlertRead);
        if (clients is null && platform)
        {
            return query;
        }

        if (clients is null)
        {
            return query.Where(a => a.ClientId != null);
        }

        return query.Where(a => (a.ClientId != null && clients.Contains(a.ClientId.Value)) || (platform && a.ClientId == null));
    }
}
