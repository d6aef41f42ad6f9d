using PrivateNexus.Server.Features.Clients;

namespace PrivateNexus.Server.Features.Services;

public enum DesiredState
{
    Running,
    Stopped,
}

/// <summary>A client's workload as desired state; the engine reconciler makes it so.</summary>
public sealed class Service
{
    private ServiceSpec? _spec;

    private Guid _newId;

    /// <summary>
    /// A new service gets a time-ordered id when first asked; one read from the database is given
    /// its stored id without minting one first (CreateVersion7 costs more than the rest of a row).
    /// </summary>
    public Guid Id
    {
        get => _newId == Guid.Empty ? _newId = Guid.CreateVersion7() : _newId;
        set => _newId = value;
    }

    public Guid ClientId { get; set; }

    public Guid NodeId { get; set; }

    /// <summary>DNS-label shaped, unique within the client.</summary>
    public required string Name { get; set; }

    /// <summary>Copy of <c>Spec.Image</c> so lists can filter and sort on it in the database.</summary>
    public required string Image { get; set; }

    public DesiredState DesiredState { get; set; }

    /// <summary>Number of the current <see cref="ServiceRevision"/>; starts at 1.</summary>
    public int Revision { get; set; }

    /// <summary>
    /// The spec as stored (JSON). Lists of services rarely need the spec, so it is parsed only when
    /// <see cref="Spec"/> is first read — a page of a thousand services costs no JSON parsing.
    /// </summary>
    public string SpecJson { get; set; } = "";

    public required ServiceSpec Spec
    {
        get => _spec ??= ServiceSpecJson.Read(SpecJson);
        set
        {
            _spec = value;
            SpecJson = ServiceSpecJson.Write(value);
            Replicas = value.Replicas;
        }
    }

    /// <summary>
    /// Copy of <c>Spec.Replicas</c>, kept by the <see cref="Spec"/> setter: a service's live status needs
    /// it, and a page of a hundred statuses should not parse a hundred specs.
    /// </summary>
    public int Replicas { get; set; } = 1;

    /// <summary>Bumped by a restart request: containers of an older generation are replaced.</summary>
    public int RestartGeneration { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public long Version { get; set; }

    public Client? Client { get; set; }

    /// <summary>
    /// Whether its client is suspended, set when the service was read for a list (not stored; lists
    /// skip loading client rows). Null when read otherwise: see <see cref="Client"/>.
    /// </summary>
    public bool? ClientSuspended { get; set; }
}

/// <summary>Immutable history: one row per spec a service ever had.</summary>
public sealed class ServiceRevision
{
    private Guid _newId;

    /// <summary>
    /// A new service gets a time-ordered id when first asked; one read from the database is given
    /// its stored id without minting one first (CreateVersion7 costs more than the rest of a row).
    /// </summary>
    public Guid Id
    {
        get => _newId == Guid.Empty ? _newId = Guid.CreateVersion7() : _newId;
        set => _newId = value;
    }

    public Guid ServiceId { get; set; }

    public int Revision { get; set; }

    public required ServiceSpec Spec { get; set; }

    /// <summary><c>create</c>, <c>update</c> or <c>rollback:N</c>.</summary>
    public required string Reason { get; set; }

    public string? CreatedBy { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}
