namespace PrivateNexus.Server.Features.Nodes;

public sealed record NodeTlsInput(string? CaCertificate, string? ClientCertificate, string? ClientKey);

public sealed record CreateNodeInput(string Name, string Endpoint, NodeTlsInput? Tls, IReadOnlyDictionary<string, string>? Labels);

/// <summary>Null fields are left unchanged. <see cref="Tls"/> replaces all TLS material at once.</summary>
public sealed record UpdateNodeInput(
    Guid Id, string? Endpoint, NodeTlsInput? Tls, IReadOnlyDictionary<string, string>? Labels, bool? Drained, long? ExpectedVersion);
