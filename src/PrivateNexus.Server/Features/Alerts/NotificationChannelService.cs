using System.Net.Mail;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PrivateNexus.Server.Authorization;
using PrivateNexus.Server.Common;
using PrivateNexus.Server.Data;
using PrivateNexus.Server.Features.Audit;

namespace PrivateNexus.Server.Features.Alerts;

/// <summary>
/// Notification channels: a client's are managed (and listed: they hold addresses) by its owners and
/// staff; platform ones by staff. Webhook secrets are encrypted at rest and never returned.
/// </summary>
public sealed class NotificationChannelService(
    PnxDbContext db, Rulebook rules, AuditLog audit, SecretProtector secrets, NotificationSender sender, IOptions<SmtpOptions> smtp, TimeProvider time,
    ChannelTestThrottle throttle)
{
    public const int MinSecretLength = 16;
    private static readonly TimeSpan TestDeadline = TimeSpan.FromSeconds(20);

    public async Task<IReadOnlyList<NotificationChannel>> ListAsync(Guid? clientId, CancellationToken cancellationToken)
    {
        await rules.RequireManageAsync(clientId, new("notificationChannel", null, clientId), "Client", cancellationToken);
        return await db.NotificationChannels.AsNoTracking().Where(c => c.ClientId == clientId).OrderBy(c => c.Name).ThenBy(c => c.Id).ToListAsync(cancellationToken);
    }

    public async Task<NotificationChannel> CreateAsync(CreateNotificationChannelInput input, CancellationToken cancellationToken)
    {
        var actor = await rules.RequireManageAsync(input.ClientId, new("notificationChannel", null, input.ClientId), "Client", cancellationToken);
        if (input.ClientId is { } clientId && !await db.Clients.AnyAsync(c => c.Id == clientId, cancellationToken))
        {
            throw DomainException.NotFound("Client");
        }

        var now = time.Now();
        var channel = new NotificationChannel
        {
            ClientId = input.ClientId,
            Name = Validate.Text(input.Name, "name", 100),
            Type = input.Type,
            Enabled = input.Enabled ?? true,
            CreatedAt = now,
            UpdatedAt = now,
            Version = 1,
        };
        Apply(channel, input.Url, input.Secret, input.Recipients, creating: true);
        if (await db.NotificationChannels.AnyAsync(c => c.ClientId == channel.ClientId && c.Name == channel.Name, cancellationToken))
        {
            throw DomainException.Conflict($"There is already a notification channel named '{channel.Name}'.", "name");
        }

        db.NotificationChannels.Add(channel);
        audit.Add(actor, "notificationChannel.create", AuditTarget.Of("notificationChannel", channel.Id, channel.ClientId), Described(channel));
        await SaveAsync(channel.Name, cancellationToken);
        return channel;
    }

    public async Task<NotificationChannel> UpdateAsync(UpdateNotificationChannelInput input, CancellationToken cancellationToken)
    {
        var channel = await LoadForChangeAsync(input.Id, cancellationToken);
        Validate.ExpectedVersion(input.ExpectedVersion, channel.Row.Version, "notification channel");
        var row = channel.Row;
        var before = Described(row);
        var unchanged = (row.Name, row.Url, string.Join(',', row.Recipients), row.Enabled);
        var oldSecret = row.SecretCiphertext;
        row.Name = input.Name is null ? row.Name : Validate.Text(input.Name, "name", 100);
        row.Enabled = input.Enabled ?? row.Enabled;
        Apply(row, input.Url, input.Secret, input.Recipients, creating: false);
        var after = Described(row);
        var secretChanged = input.Secret is not null;
        if (!secretChanged && unchanged == (row.Name, row.Url, string.Join(',', row.Recipients), row.Enabled))
        {
            row.SecretCiphertext = oldSecret;
            return row;
        }

        row.UpdatedAt = time.Now();
        row.Version++;
        audit.Add(channel.Actor, "notificationChannel.update", AuditTarget.Of("notificationChannel", row.Id, row.ClientId), new { before, after, secretChanged });
        await SaveAsync(row.Name, cancellationToken);
        return row;
    }

    /// <summary>Deletes the channel (and its pending deliveries); rules that named it stop naming it.</summary>
    public async Task<Guid> DeleteAsync(Guid id, CancellationToken cancellationToken)
    {
        var (row, actor) = await LoadForChangeAsync(id, cancellationToken);
        var users = await db.AlertRules.Where(r => r.ClientId == row.ClientId).ToListAsync(cancellationToken);
        foreach (var rule in users.Where(r => r.ChannelIds.Contains(id)))
        {
            rule.ChannelIds = [.. rule.ChannelIds.Where(c => c != id)];
            rule.Version++;
        }

        db.NotificationChannels.Remove(row);
        audit.Add(actor, "notificationChannel.delete", AuditTarget.Of("notificationChannel", id, row.ClientId), new { row.Name, Type = row.Type.ToString() });
        await db.SaveChangesAsync(cancellationToken);
        return id;
    }

    /// <summary>Sends a test message now (bounded); the answer says whether the channel took it. Audited either way.</summary>
    public async Task<ChannelTestResult> TestAsync(Guid id, CancellationToken cancellationToken)
    {
        var (row, actor) = await LoadForChangeAsync(id, cancellationToken);
        var target = AuditTarget.Of("notificationChannel", id, row.ClientId);
        if (!await throttle.TryAcquireAsync(actor, cancellationToken))
        {
            await audit.RecordNowAsync(actor, "notificationChannel.test", target, AuditOutcome.Denied, new { Reason = "rate limit" }, cancellationToken);
            throw new DomainException(ErrorCode.LimitExceeded,
                $"At most {throttle.PermitLimit} channel tests per {throttle.Window.TotalMinutes:0} minutes; try again later.");
        }

        var payload = new AlertPayload(1, Guid.CreateVersion7(), "test", time.Now(), null);
        ChannelTestResult result;
        using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            deadline.CancelAfter(TestDeadline);
            try
            {
                await sender.SendAsync(row, payload, deadline.Token);
                result = new ChannelTestResult(true, null);
            }
            catch (NotificationFailedException ex)
            {
                result = new ChannelTestResult(false, ex.Message);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                result = new ChannelTestResult(false, $"No answer within {TestDeadline.TotalSeconds:0} s.");
            }
        }

        await audit.RecordNowAsync(
            actor, "notificationChannel.test", target,
            result.Ok ? AuditOutcome.Success : AuditOutcome.Failed, new { result.Ok, result.Error }, cancellationToken);
        return result;
    }

    private async Task<(NotificationChannel Row, Actor Actor)> LoadForChangeAsync(Guid id, CancellationToken cancellationToken)
    {
        var row = await db.NotificationChannels.SingleOrDefaultAsync(c => c.Id == id, cancellationToken);
        var actor = await rules.RequireManageExistingAsync(row is not null, row?.ClientId, AuditTarget.Of("notificationChannel", id, row?.ClientId), "Notification channel", cancellationToken);
        return (row ?? throw DomainException.NotFound("Notification channel"), actor);
    }

    private void Apply(NotificationChannel channel, string? url, string? secret, IReadOnlyList<string>? recipients, bool creating)
    {
        if (channel.Type == ChannelType.Webhook)
        {
            if (recipients is { Count: > 0 })
            {
                throw DomainException.BadInput("recipients", "A webhook has no recipients; give url and secret.");
            }

            if (url is not null || creating)
            {
                channel.Url = ValidUrl(url);
            }

            if (secret is not null || creating)
            {
                if (secret is null || secret.Length < MinSecretLength || secret.Length > 500)
                {
                    throw DomainException.BadInput("secret", $"'secret' signs the webhook's payloads: {MinSecretLength} to 500 characters.");
                }

                channel.SecretCiphertext = secrets.Protect(secret);
            }

            return;
        }

        if (url is not null || secret is not null)
        {
            throw DomainException.BadInput(url is not null ? "url" : "secret", "An e-mail channel has recipients, not a url or secret.");
        }

        if (creating && !smtp.Value.Configured)
        {
            throw DomainException.BadInput("type", "E-mail needs the server's SMTP settings (PNX_SMTP__HOST), which are not configured.");
        }

        if (recipients is not null || creating)
        {
            channel.Recipients = ValidRecipients(recipients ?? []);
        }
    }

    private static string ValidUrl(string? url)
    {
        if (!Uri.TryCreate(url?.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || url!.Length > 2000 || !string.IsNullOrEmpty(uri.UserInfo))
        {
            throw DomainException.BadInput("url", "'url' must be an absolute http(s) URL without credentials, at most 2000 characters.");
        }

        return uri.ToString();
    }

    private static List<string> ValidRecipients(IReadOnlyList<string> recipients)
    {
        if (recipients.Count is 0 or > 20)
        {
            throw DomainException.BadInput("recipients", "Give 1 to 20 e-mail addresses.");
        }

        var result = new List<string>();
        for (var i = 0; i < recipients.Count; i++)
        {
            var address = recipients[i].Trim();
            if (address.Length > 254 || !MailAddress.TryCreate(address, out var parsed) || parsed.Address != address)
            {
                throw DomainException.BadInput($"recipients[{i}]", $"'{recipients[i]}' is not an e-mail address.");
            }

            result.Add(address);
        }

        return [.. result.Distinct(StringComparer.OrdinalIgnoreCase)];
    }

    /// <summary>What the audit trail keeps: never the secret, and of the URL only its origin (Slack-style URLs carry a token in the path).</summary>
    private static object Described(NotificationChannel c) => new
    {
        c.Name,
        Type = c.Type.ToString(),
        Url = c.Url is null ? null : new Uri(c.Url).GetLeftPart(UriPartial.Authority),
        Recipients = c.Recipients.ToList(),
        c.Enabled,
    };

    private Task SaveAsync(string name, CancellationToken cancellationToken) =>
        db.SaveOrConflictAsync("notification channel", $"There is already a notification channel named '{name}'.", "name", cancellationToken);
}
