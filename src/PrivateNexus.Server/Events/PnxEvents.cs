using System.Text.Json.Serialization;

namespace PrivateNexus.Server.Events;

/// <summary>
/// Something that changed, as the one event bus carries it. Events name what changed (ids and the
/// client it belongs to, so a subscriber can be filtered without a database read); subscribers load
/// the current state themselves, through the feature services and so through the rulebook.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "$t")]
[JsonDerivedType(typeof(ServiceChanged), "service")]
[JsonDerivedType(typeof(DeploymentChanged), "deployment")]
[JsonDerivedType(typeof(NodeChanged), "node")]
[JsonDerivedType(typeof(AuditEventAdded), "audit")]
[JsonDerivedType(typeof(PrincipalChanged), "principal")]
[JsonDerivedType(typeof(ApiTokenChanged), "apitoken")]
[JsonDerivedType(typeof(BusProbe), "probe")]
[JsonDerivedType(typeof(AlertChanged), "alert")]
public abstract record PnxEvent;

/// <summary>A service's desired state (a mutation) or its live state (the mirror) changed; <see cref="Removed"/> when it was deleted.</summary>
public sealed record ServiceChanged(Guid ServiceId, Guid ClientId, bool Removed = false) : PnxEvent;

/// <summary>A deployment was opened or moved along (step, progress, outcome).</summary>
public sealed record DeploymentChanged(Guid DeploymentId, Guid ServiceId, Guid ClientId) : PnxEvent;

/// <summary>A node was added, changed or removed, or its live status changed.</summary>
public sealed record NodeChanged(Guid NodeId) : PnxEvent;

/// <summary>An audit event was written; <see cref="ClientId"/> lets owners of that client see it.</summary>
public sealed record AuditEventAdded(Guid AuditEventId, Guid? ClientId) : PnxEvent;

/// <summary>A user's or automation client's roles, memberships or status changed: cached snapshots of it are stale.</summary>
public sealed record PrincipalChanged(PrincipalKind Kind, string Id) : PnxEvent;

public enum PrincipalKind
{
    User,
    Application,
}

/// <summary>A personal API token was revoked or changed: its cached record (keyed by hash) is stale.</summary>
public sealed record ApiTokenChanged(string TokenHash) : PnxEvent;

/// <summary>Carries nothing but a sequence number and a send time: the benchmark's and tests' measuring stick.</summary>
public sealed record BusProbe(long Sequence, long SentAtUnixMicroseconds, string? Tag = null) : PnxEvent;

/// <summary>An alert fired or resolved (a stored transition); <see cref="ClientId"/> null for platform-wide alerts.</summary>
public sealed record AlertChanged(Guid AlertId, Guid? ClientId) : PnxEvent;

/// <summary>Who should receive an event.</summary>
public enum EventReach
{
    /// <summary>Every server replica (over Redis when configured): changes written to the shared database.</summary>
    Cluster,

    /// <summary>Only this replica: facts each replica observes for itself, such as its own state mirror.</summary>
    ThisReplica,
}
