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

    /// <summary>
    /// The firing and resolved transitions of many alerts in one query (nested <c>alerts { transitions }</c>),
    /// newest first, at most <paramref name="first"/> each; only of alerts the caller may read.
    /// </summary>
    public async Task<ILookup<Guid, AlertTransition>> TransitionsAsync(IReadOnlyCollection<Guid> alertIds, int first, CancellationToken cancellationToken)
    {
        var actor = await rules.ActorAsync(cancellationToken);
        var take = Math.Clamp(first, 0, MaxTransitions);
        var rows = await (
            from t in db.AlertTransitions.AsNoTracking()
            join a in db.Alerts.AsNoTracking() on t.AlertId equals a.Id
            where alertIds.Contains(t.AlertId)
            orderby t.At descending, t.Id descending
            select new { Transition = t, a.ClientId }).ToListAsync(cancellationToken);
        return rows.Where(r => MayRead(actor, r.ClientId))
            .GroupBy(r => r.Transition.AlertId)
            .SelectMany(g => g.Take(take))
            .ToLookup(r => r.Transition.AlertId, r => r.Transition);
    }

    /// <summary>The names of these rules, of those the caller may read (for lists that show an alert's rule).</summary>
    public async Task<IReadOnlyDictionary<Guid, string>> RuleNamesAsync(IReadOnlyCollection<Guid> ruleIds, CancellationToken cancellationToken)
    {
        var actor = await rules.ActorAsync(cancellationToken);
        var rows = await db.AlertRules.AsNoTracking()
            .Where(r => ruleIds.Contains(r.Id))
            .Select(r => new { r.Id, r.Name, r.ClientId })
            .ToListAsync(cancellationToken);
        return rows.Where(r => MayRead(actor, r.ClientId)).ToDictionary(r => r.Id, r => r.Name);
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
