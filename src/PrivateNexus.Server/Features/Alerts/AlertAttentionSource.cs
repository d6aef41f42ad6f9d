using System.Globalization;
using PrivateNexus.Server.Authorization;
using PrivateNexus.Server.Common;
using PrivateNexus.Server.Dashboard;
using PrivateNexus.Server.Events;

namespace PrivateNexus.Server.Features.Alerts;

/// <summary>
/// The dashboard home page's "Firing alerts": the caller's firing alerts as <see cref="AlertService"/>
/// lists them (a client's people see their client's, staff the platform's too), most severe first, each
/// linking to what it is about. Registered by <see cref="AlertsSetup.AddAlerts"/>, so the dashboard knows
/// nothing of alerts; with alerting off or no rules there is nothing firing and no section.
/// </summary>
public sealed class AlertAttentionSource : IAttentionSource
{
    /// <summary>At most this many alerts are listed; the rest are counted in one more line.</summary>
    public const int Shown = 20;

    public string Heading => "Firing alerts";

    public bool Follows(PnxEvent change) => change is AlertChanged;

    public async Task<IReadOnlyList<AttentionItem>> ReadAsync(IServiceProvider userScope, CancellationToken cancellationToken)
    {
        var alerts = userScope.GetRequiredService<AlertService>();
        var page = await alerts.ListAsync(new AlertFilter(State: AlertState.Firing), new PageRequest(PageRequest.MaxPageSize), cancellationToken);
        if (page.Items.Count == 0)
        {
            return [];
        }

        var names = await alerts.RuleNamesAsync([.. page.Items.Select(a => a.RuleId).Distinct()], cancellationToken);
        var actor = await userScope.GetRequiredService<CurrentActor>().GetAsync(cancellationToken);
        var now = userScope.GetRequiredService<TimeProvider>().GetUtcNow();
        var items = page.Items
            .OrderByDescending(a => a.Severity)
            .ThenByDescending(a => a.StartsAt ?? a.ActiveAt)
            .Take(Shown)
            .Select(a => Item(a, names.GetValueOrDefault(a.RuleId), now, actor.IsStaff))
            .ToList();
        var more = (page.TotalCount ?? page.Items.Count) - items.Count;
        if (more > 0)
        {
            items.Add(new AttentionItem($"{more} more firing alert(s)", null, AttentionLevel.Info, "/app/alerts?state=firing"));
        }

        return items;
    }

    /// <summary>One firing alert as the home page shows it: "rule: target", severity and since when, the summary, a link.</summary>
    public static AttentionItem Item(Alert alert, string? ruleName, DateTimeOffset now, bool staff)
    {
        var level = alert.Severity switch
        {
            AlertSeverity.Critical => AttentionLevel.Critical,
            AlertSeverity.Warning => AttentionLevel.Warning,
            _ => AttentionLevel.Info,
        };
        var detail = $"{alert.Severity}, firing since {Since(alert.StartsAt ?? alert.ActiveAt, now)}. {alert.Summary}".TrimEnd();
        return new AttentionItem($"{ruleName ?? alert.Kind.ToString()}: {alert.TargetName}", detail, level, Href(alert, staff));
    }

    /// <summary>"10:42 UTC" today, "2026-11-28 10:42 UTC" before.</summary>
    public static string Since(DateTimeOffset at, DateTimeOffset now)
    {
        var utc = at.UtcDateTime;
        var format = utc.Date == now.UtcDateTime.Date ? "HH:mm 'UTC'" : "yyyy-MM-dd HH:mm 'UTC'";
        return utc.ToString(format, CultureInfo.InvariantCulture);
    }

    /// <summary>The page of what the alert is about: the service, the nodes (staff), the client (its page for staff, its services otherwise).</summary>
    public static string Href(Alert alert, bool staff) => alert.TargetType switch
    {
        AlertTargetType.Service => $"/app/services/{alert.TargetId}",
        AlertTargetType.Node => "/app/nodes",
        _ when staff => $"/app/clients/{alert.TargetId}",
        _ => $"/app/services?client={alert.TargetId}",
    };
}
