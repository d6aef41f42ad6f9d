using System.Globalization;
using System.Text;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;

namespace PrivateNexus.Server.Features.Alerts;

/// <summary>Sends a payload as a plain-text e-mail through the configured SMTP server (MailKit).</summary>
public sealed class EmailSender(IOptions<SmtpOptions> options)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    public async Task SendAsync(NotificationChannel channel, AlertPayload payload, CancellationToken cancellationToken)
    {
        var smtp = options.Value;
        if (!smtp.Configured)
        {
            throw new NotificationFailedException("E-mail is not configured on this server (PNX_SMTP__HOST).");
        }

        var message = Build(payload, smtp.From!, channel.Recipients);
        using var client = new SmtpClient { Timeout = (int)Timeout.TotalMilliseconds };
        try
        {
            await client.ConnectAsync(smtp.Host!, smtp.Port, Socket(smtp.Security), cancellationToken);
            if (!string.IsNullOrEmpty(smtp.Username))
            {
                await client.AuthenticateAsync(smtp.Username, smtp.Password ?? "", cancellationToken);
            }

            await client.SendAsync(message, cancellationToken);
            await client.DisconnectAsync(quit: true, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw new NotificationFailedException($"The mail server did not take the message: {ex.Message}", ex);
        }
    }

    /// <summary>The message: subject says state, rule and target; the body the details and the delivery id.</summary>
    public static MimeMessage Build(AlertPayload payload, string from, IEnumerable<string> recipients)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(from));
        foreach (var recipient in recipients)
        {
            message.To.Add(MailboxAddress.Parse(recipient));
        }

        message.MessageId = $"{payload.DeliveryId:N}@privatenexus";
        message.Headers.Add("X-PrivateNexus-Delivery", payload.DeliveryId.ToString());
        var body = new StringBuilder();
        if (payload.Alert is not { } alert)
        {
            message.Subject = "[PrivateNexus] Test notification";
            body.AppendLine("This is a test of a PrivateNexus notification channel. It works.");
        }
        else
        {
            var state = payload.Event == "alert.resolved" ? "RESOLVED" : "FIRING";
            message.Subject = $"[{state}] {alert.RuleName}: {alert.TargetName}";
            body.AppendLine(alert.Summary).AppendLine();
            body.AppendLine(CultureInfo.InvariantCulture, $"Rule:      {alert.RuleName} ({alert.Kind}, {alert.Severity})");
            body.AppendLine(CultureInfo.InvariantCulture, $"Target:    {alert.TargetType} {alert.TargetName} ({alert.TargetId})");
            body.AppendLine(CultureInfo.InvariantCulture, $"State:     {state}{(payload.Event == "alert.repeat" ? " (still)" : "")}");
            if (alert.Value is { } value)
            {
                body.AppendLine(CultureInfo.InvariantCulture, $"Value:     {value:0.##}");
            }

            body.AppendLine(CultureInfo.InvariantCulture, $"Since:     {alert.StartsAt:u}");
            if (alert.EndsAt is { } ends && payload.Event == "alert.resolved")
            {
                body.AppendLine(CultureInfo.InvariantCulture, $"Resolved:  {ends:u}");
            }
        }

        body.AppendLine().AppendLine(CultureInfo.InvariantCulture, $"Delivery {payload.DeliveryId}, sent {payload.SentAt:u}.");
        message.Body = new TextPart("plain") { Text = body.ToString() };
        return message;
    }

    private static SecureSocketOptions Socket(SmtpSecurity security) => security switch
    {
        SmtpSecurity.None => SecureSocketOptions.None,
        SmtpSecurity.StartTls => SecureSocketOptions.StartTls,
        SmtpSecurity.SslOnConnect => SecureSocketOptions.SslOnConnect,
        _ => SecureSocketOptions.Auto,
    };
}
