using System.Diagnostics;
using System.Text.Json;
using PrivateNexus.Server.Authorization;
using PrivateNexus.Server.Common;
using PrivateNexus.Server.Data;

namespace PrivateNexus.Server.Features.Audit;

/// <summary>
/// Writes the audit trail. <see cref="Add"/> stages an event in the caller's unit of work so it
/// commits (or not) with the change it describes; <see cref="RecordNowAsync"/> writes at once,
/// in its own context, for refusals and sign-in events that have no change to ride with.
/// </summary>
public sealed class AuditLog(
    PnxDbContext db,
    IServiceScopeFactory scopes,
    IHttpContextAccessor http,
    TimeProvider time,
    ILogger<AuditLog> logger)
{
    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    public void Add(Actor actor, string action, AuditTarget target, object? details = null) =>
        db.AuditEvents.Add(Create(actor, action, target, AuditOutcome.Success, details));

    public async Task RecordNowAsync(
        Actor actor, string action, AuditTarget target, AuditOutcome outcome, object? details = null, CancellationToken cancellationToken = default)
    {
        var entry = Create(actor, action, target, outcome, details);
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var own = scope.ServiceProvider.GetRequiredService<PnxDbContext>();
            own.AuditEvents.Add(entry);
            await own.SaveChangesAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The refusal itself must still reach the caller; losing its audit row is logged loudly.
            logger.LogError(ex, "Could not write audit event {Action} ({Outcome})", action, outcome);
        }
    }

    private AuditEvent Create(Actor actor, string action, AuditTarget target, AuditOutcome outcome, object? details)
    {
        var context = http.HttpContext;
        return new AuditEvent
        {
            Time = time.Now(),
            ActorType = actor.Type,
            ActorId = actor.Id,
            ActorName = actor.Name,
            Action = action,
            TargetType = target.Type,
            TargetId = target.Id,
            ClientId = target.ClientId,
            Outcome = outcome,
            SourceIp = context?.Connection.RemoteIpAddress?.ToString(),
            Details = details is null ? null : JsonSerializer.Serialize(details, JsonOptions),
            CorrelationId = Activity.Current?.TraceId.ToString() ?? context?.TraceIdentifier,
        };
    }
}

/// <summary>What an audit event is about. <see cref="ClientId"/> lets a client's owners see it.</summary>
public readonly record struct AuditTarget(string? Type, string? Id, Guid? ClientId)
{
    public static readonly AuditTarget None = new(null, null, null);

    public static AuditTarget Of(string type, Guid id, Guid? clientId = null) => new(type, id.ToString(), clientId);
}
