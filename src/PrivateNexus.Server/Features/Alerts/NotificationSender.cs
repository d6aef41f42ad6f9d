using PrivateNexus.Server.Common;

namespace PrivateNexus.Server.Features.Alerts;

/// <summary>Sends one payload to one channel, whatever its type; throws <see cref="NotificationFailedException"/> when it did not arrive.</summary>
public sealed class NotificationSender(WebhookSender webhooks, EmailSender email, SecretProtector secrets, AlertMetrics metrics)
{
    public async Task SendAsync(NotificationChannel channel, AlertPayload payload, CancellationToken cancellationToken)
    {
        try
        {
            switch (channel.Type)
            {
                case ChannelType.Webhook:
                    await webhooks.SendAsync(channel, secrets.Unprotect(channel.SecretCiphertext!), payload, cancellationToken);
                    break;
                default:
                    await email.SendAsync(channel, payload, cancellationToken);
                    break;
            }
        }
        catch (Exception ex) when (ex is not NotificationFailedException && (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested))
        {
            metrics.NotificationFailed(channel.Type);
            throw new NotificationFailedException($"The {channel.Type.ToString().ToLowerInvariant()} could not be reached: {(ex.InnerException ?? ex).Message}", ex);
        }
        catch (NotificationFailedException)
        {
            metrics.NotificationFailed(channel.Type);
            throw;
        }

        metrics.NotificationSent(channel.Type);
    }
}
