using System.Text.Json;
using System.Text.Json.Serialization;

namespace PrivateNexus.Server.Features.Alerts;

/// <summary>
/// What a channel is told, as JSON for webhooks (the body that is signed) and as the source of the
/// e-mail text. <see cref="Event"/> is <c>alert.firing</c>, <c>alert.resolved</c>, <c>alert.repeat</c> or <c>test</c>.
/// </summary>
public sealed record AlertPayload(
    int Version,
    Guid DeliveryId,
    string Event,
    DateTimeOffset SentAt,
    AlertPayload.AlertPart? Alert)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseUpper) },
    };

    public sealed record AlertPart(
        Guid Id,
        string Fingerprint,
        Guid RuleId,
        string RuleName,
        AlertKind Kind,
        AlertSeverity Severity,
        AlertState State,
        AlertTargetType TargetType,
        Guid TargetId,
        string TargetName,
        Guid? ClientId,
        DateTimeOffset? StartsAt,
        DateTimeOffset? EndsAt,
        double? Value,
        string Summary);

    public static string EventOf(AlertState state, int repeat) => state switch
    {
        AlertState.Resolved => "alert.resolved",
        _ when repeat > 0 => "alert.repeat",
        _ => "alert.firing",
    };

    public byte[] ToUtf8Json() => JsonSerializer.SerializeToUtf8Bytes(this, Json);
}
