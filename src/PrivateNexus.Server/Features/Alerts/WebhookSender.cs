using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;

namespace PrivateNexus.Server.Features.Alerts;

/// <summary>
/// POSTs a payload as JSON, signed: <c>X-PrivateNexus-Signature: sha256=&lt;hex HMAC-SHA256 of the body
/// with the channel's secret&gt;</c>. The body carries its own <c>sentAt</c> (so the signature covers
/// the time too), <c>X-PrivateNexus-Timestamp</c> repeats it in Unix seconds, and
/// <c>X-PrivateNexus-Delivery</c> is the delivery id, the same on every retry of one notification.
/// Transient failures are retried by the HTTP client's resilience pipeline; what still fails is
/// retried later by <see cref="NotificationDispatcher"/>.
/// </summary>
public sealed class WebhookSender(IHttpClientFactory clients)
{
    /// <summary>For clients' channels: refuses private addresses unless allowed (see <see cref="AlertsOptions.AllowPrivateWebhookTargets"/>).</summary>
    public const string GuardedClient = "alerts-webhook";

    /// <summary>For platform channels, set up by staff: may reach the provider's own network.</summary>
    public const string PlatformClient = "alerts-webhook-platform";

    public const string SignatureHeader = "X-PrivateNexus-Signature";
    public const string TimestampHeader = "X-PrivateNexus-Timestamp";
    public const string DeliveryHeader = "X-PrivateNexus-Delivery";
    public const string EventHeader = "X-PrivateNexus-Event";

    public static string Sign(byte[] body, string secret) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    public async Task SendAsync(NotificationChannel channel, string secret, AlertPayload payload, CancellationToken cancellationToken)
    {
        var body = payload.ToUtf8Json();
        using var request = new HttpRequestMessage(HttpMethod.Post, channel.Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.Add(SignatureHeader, Sign(body, secret));
        request.Headers.Add(TimestampHeader, payload.SentAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
        request.Headers.Add(DeliveryHeader, payload.DeliveryId.ToString());
        request.Headers.Add(EventHeader, payload.Event);
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("PrivateNexus", "1"));

        var http = clients.CreateClient(channel.ClientId is null ? PlatformClient : GuardedClient);
        using var response = await http.SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new NotificationFailedException($"The webhook answered {(int)response.StatusCode} {response.ReasonPhrase}.");
        }
    }
}

/// <summary>A channel did not take a notification; the message is safe to show to the channel's owner.</summary>
public sealed class NotificationFailedException(string message, Exception? inner = null) : Exception(message, inner);
