namespace PrivateNexus.Server.Features.Clients;

public enum ClientStatus
{
    Active,
    Suspended,
}

/// <summary>A client organisation of the provider: the unit of tenancy and isolation.</summary>
public sealed class Client
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    public required string Name { get; set; }

    /// <summary>Unique, DNS-label shaped; used in network and container names on the engines.</summary>
    public required string Slug { get; set; }

    public ClientStatus Status { get; set; }

    public ClientQuota Quota { get; set; } = new();

    /// <summary>Image reference patterns this client may deploy (<c>*</c> wildcards). Empty: nothing allowed.</summary>
    public List<string> ImagePolicy { get; set; } = [];

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>Optimistic concurrency: bumped on every change, checked against <c>expectedVersion</c>.</summary>
    public long Version { get; set; }
}

/// <summary>Upper bounds over all of a client's services.</summary>
public sealed class ClientQuota
{
    public int CpuMillicores { get; set; } = 2_000;

    public int MemoryMiB { get; set; } = 2_048;

    public int Services { get; set; } = 10;
}
