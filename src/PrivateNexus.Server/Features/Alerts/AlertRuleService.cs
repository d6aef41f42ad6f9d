using Microsoft.EntityFrameworkCore;
using PrivateNexus.Server.Authorization;
using PrivateNexus.Server.Common;
using PrivateNexus.Server.Data;
using PrivateNexus.Server.Features.Audit;

namespace PrivateNexus.Server.Features.Alerts;

/// <summary>
/// Alert rules: a client's are read by its people and managed by its owners (and staff); platform-wide
/// ones only by staff. Every change is validated (errors name the field) and audited with it.
/// </summary>
public sealed class AlertRuleService(PnxDbContext db, Rulebook rules, AuditLog audit, TimeProvider time)
{
    private static readonly TimeSpan MaxDamping = TimeSpan.FromDays(1);

    /// <summary>A client's rules, or the platform's when <paramref name="clientId"/> is null.</summary>
    public async Task<IReadOnlyList<AlertRule>> ListAsync(Guid? clientId, CancellationToken cancellationToken)
    {
        await rules.RequireReadAsync(clientId, new("alertRule", null, clientId), "Client", cancellationToken);
        return await db.AlertRules.AsNoTracking().Where(r => r.ClientId == clientId).OrderBy(r => r.Name).ThenBy(r => r.Id).ToListAsync(cancellationToken);
    }

    public async Task<AlertRule> CreateAsync(CreateAlertRuleInput input, CancellationToken cancellationToken)
    {
        var actor = await rules.RequireManageAsync(input.ClientId, new("alertRule", null, input.ClientId), "Client", cancellationToken);
        if (input.ClientId is { } clientId && !await db.Clients.AnyAsync(c => c.Id == clientId, cancellationToken))
        {
            throw DomainException.NotFound("Client");
        }

        var now = time.Now();
        var rule = new AlertRule
        {
            ClientId = input.ClientId,
            Name = Validate.Text(input.Name, "name", 100),
            Kind = input.Kind,
            ServiceId = input.ServiceId,
            Threshold = input.Threshold ?? AlertRuleDefaults.Threshold(input.Kind),
            Window = input.Window is null ? AlertRuleDefaults.Window(input.Kind)?.Default ?? TimeSpan.Zero : ParseWindow(input.Kind, input.Window),
            For = input.For is null ? AlertRuleDefaults.For(input.Kind) : AlertDurations.Parse(input.For, "for", TimeSpan.Zero, MaxDamping),
            KeepFiringFor = input.KeepFiringFor is null
                ? AlertRuleDefaults.KeepFiringFor(input.Kind)
                : AlertDurations.Parse(input.KeepFiringFor, "keepFiringFor", TimeSpan.Zero, MaxDamping),
            RepeatInterval = input.RepeatInterval is null ? AlertRuleDefaults.RepeatInterval : ParseRepeat(input.RepeatInterval),
            Severity = input.Severity ?? AlertSeverity.Warning,
            Enabled = input.Enabled ?? true,
            ChannelIds = [.. (input.ChannelIds ?? []).Distinct()],
            CreatedAt = now,
            UpdatedAt = now,
            Version = 1,
        };
        await CheckAsync(rule, thresholdGiven: input.Threshold is not null, cancellationToken);
        if (await db.AlertRules.AnyAsync(r => r.ClientId == rule.ClientId && r.Name == rule.Name, cancellationToken))
        {
            throw DomainException.Conflict($"There is already an alert rule named '{rule.Name}'.", "name");
        }

        db.AlertRules.Add(rule);
        audit.Add(actor, "alertRule.create", AuditTarget.Of("alertRule", rule.Id, rule.ClientId), Described(rule));
        await SaveAsync(rule.Name, cancellationToken);
        return rule;
    }

    public async Task<AlertRule> UpdateAsync(UpdateAlertRuleInput input, CancellationToken cancellationToken)
    {
        var rule = await db.AlertRules.SingleOrDefaultAsync(r => r.Id == input.Id, cancellationToken);
        var actor = await rules.RequireManageExistingAsync(rule is not null, rule?.ClientId, AuditTarget.Of("alertRule", input.Id, rule?.ClientId), "Alert rule", cancellationToken);
        if (rule is null)
        {
            throw DomainException.NotFound("Alert rule");
        }

        Validate.ExpectedVersion(input.ExpectedVersion, rule.Version, "alert rule");
        var before = Described(rule);
        rule.Name = input.Name is null ? rule.Name : Validate.Text(input.Name, "name", 100);
        rule.ServiceId = input.ServiceId ?? rule.ServiceId;
        rule.Threshold = input.Threshold ?? rule.Threshold;
        rule.Window = input.Window is null ? rule.Window : ParseWindow(rule.Kind, input.Window);
        rule.For = input.For is null ? rule.For : AlertDurations.Parse(input.For, "for", TimeSpan.Zero, MaxDamping);
        rule.KeepFiringFor = input.KeepFiringFor is null ? rule.KeepFiringFor : AlertDurations.Parse(input.KeepFiringFor, "keepFiringFor", TimeSpan.Zero, MaxDamping);
        rule.RepeatInterval = input.RepeatInterval is null ? rule.RepeatInterval : ParseRepeat(input.RepeatInterval);
        rule.Severity = input.Severity ?? rule.Severity;
        rule.Enabled = input.Enabled ?? rule.Enabled;
        rule.ChannelIds = input.ChannelIds is null ? rule.ChannelIds : [.. input.ChannelIds.Distinct()];
        await CheckAsync(rule, thresholdGiven: input.Threshold is not null, cancellationToken);

        var after = Described(rule);
        if (System.Text.Json.JsonSerializer.Serialize(before) == System.Text.Json.JsonSerializer.Serialize(after))
        {
            // Sending what is already there changes nothing (and bumps no version): retries are harmless.
            return rule;
        }

        rule.UpdatedAt = time.Now();
        rule.Version++;
        audit.Add(actor, "alertRule.update", AuditTarget.Of("alertRule", rule.Id, rule.ClientId), new { before, after });
        await SaveAsync(rule.Name, cancellationToken);
        return rule;
    }

    /// <summary>Deletes the rule with its alerts and their history.</summary>
    public async Task<Guid> DeleteAsync(Guid id, CancellationToken cancellationToken)
    {
        var rule = await db.AlertRules.SingleOrDefaultAsync(r => r.Id == id, cancellationToken);
        var actor = await rules.RequireManageExistingAsync(rule is not null, rule?.ClientId, AuditTarget.Of("alertRule", id, rule?.ClientId), "Alert rule", cancellationToken);
        if (rule is null)
        {
            throw DomainException.NotFound("Alert rule");
        }

        db.AlertRules.Remove(rule);
        audit.Add(actor, "alertRule.delete", AuditTarget.Of("alertRule", id, rule.ClientId), new { rule.Name, Kind = rule.Kind.ToString() });
        await db.SaveChangesAsync(cancellationToken);
        return id;
    }

    /// <summary>The rules that hold for the whole rule (after defaults and partial updates), each naming its field.</summary>
    private async Task CheckAsync(AlertRule rule, bool thresholdGiven, CancellationToken cancellationToken)
    {
        if (rule.Kind == AlertKind.NodeOffline && rule.ClientId is not null)
        {
            throw DomainException.BadInput("kind", "NODE_OFFLINE rules are platform-wide (leave clientId out): clients do not see nodes.");
        }

        if (rule.ServiceId is { } serviceId)
        {
            if (!AlertRuleDefaults.IsServiceKind(rule.Kind))
            {
                throw DomainException.BadInput("serviceId", $"{rule.Kind} rules are not about one service; leave serviceId out.");
            }

            // Another client's service is not named (it is not found, as for any other reader).
            var owner = await db.Services.AsNoTracking().Where(s => s.Id == serviceId).Select(s => (Guid?)s.ClientId).SingleOrDefaultAsync(cancellationToken);
            if (owner is null || (rule.ClientId is { } clientId && owner != clientId))
            {
                throw DomainException.BadInput("serviceId", "No such service in the rule's client.");
            }
        }

        if (AlertRuleDefaults.Threshold(rule.Kind) is null)
        {
            if (thresholdGiven || rule.Threshold is not null)
            {
                throw DomainException.BadInput("threshold", $"{rule.Kind} rules have no threshold; leave it out.");
            }
        }
        else if (rule.Threshold is not { } threshold || !double.IsFinite(threshold) || threshold <= 0 || threshold > AlertRuleDefaults.MaxThreshold(rule.Kind))
        {
            throw DomainException.BadInput(
                "threshold",
                rule.Kind == AlertKind.RestartLoop
                    ? $"'threshold' is a number of restarts, 1 to {AlertRuleDefaults.MaxThreshold(rule.Kind)}."
                    : "'threshold' is a percentage, more than 0 and at most 100.");
        }

        for (var i = 0; i < rule.ChannelIds.Count; i++)
        {
            var channelId = rule.ChannelIds[i];
            if (!await db.NotificationChannels.AnyAsync(c => c.Id == channelId && c.ClientId == rule.ClientId, cancellationToken))
            {
                throw DomainException.BadInput($"channelIds[{i}]", "No such notification channel in the rule's scope.");
            }
        }
    }

    private static TimeSpan ParseWindow(AlertKind kind, string text) =>
        AlertRuleDefaults.Window(kind) is { } bounds
            ? AlertDurations.Parse(text, "window", bounds.Min, bounds.Max)
            : throw DomainException.BadInput("window", $"{kind} rules have no window; leave it out.");

    private static TimeSpan ParseRepeat(string text) =>
        AlertDurations.Parse(text, "repeatInterval", TimeSpan.FromMinutes(1), TimeSpan.FromDays(30), zeroAllowed: true);

    private static object Described(AlertRule r) => new
    {
        r.Name,
        Kind = r.Kind.ToString(),
        r.ServiceId,
        r.Threshold,
        Window = AlertDurations.Format(r.Window),
        For = AlertDurations.Format(r.For),
        KeepFiringFor = AlertDurations.Format(r.KeepFiringFor),
        RepeatInterval = AlertDurations.Format(r.RepeatInterval),
        Severity = r.Severity.ToString(),
        r.Enabled,
        ChannelIds = r.ChannelIds.ToList(),
    };

    private Task SaveAsync(string name, CancellationToken cancellationToken) =>
        db.SaveOrConflictAsync("alert rule", $"There is already an alert rule named '{name}'.", "name", cancellationToken);
}
