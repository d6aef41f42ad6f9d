namespace PrivateNexus.Server.Features.Nodes;

/// <summary>A Docker Engine API endpoint that services are placed on.</summary>
public sealed class Node
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    public required string Name { get; set; }

    /// <summary><c>unix:///var/run/docker.sock</c> or <c>tcp://host:2376</c>.</summary>
    public required string Endpoint { get; set; }

    /// <summary>PEM of the CA that signed the engine's certificate (public).</summary>
    public string? TlsCaCertificate { get; set; }

    /// <summary>PEM of our client certificate (public).</summary>
    public string? TlsClientCertificate { get; set; }

    /// <summary>PEM of our client key, protected with Data Protection; never returned by the API.</summary>
    public string? TlsClientKeyProtected { get; set; }

    public Dictionary<string, string> Labels { get; set; } = [];

    /// <summary>A drained node keeps what it runs but takes no new placements.</summary>
    public bool Drained { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public long Version { get; set; }
}
