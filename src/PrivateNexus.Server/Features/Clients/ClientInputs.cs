namespace PrivateNexus.Server.Features.Clients;

public sealed record CreateClientInput(string Name, string Slug, ClientQuota? Quota, IReadOnlyList<string>? ImagePolicy);

/// <summary>Null fields are left as they are.</summary>
public sealed record UpdateClientInput(
    Guid Id, string? Name, ClientQuota? Quota, IReadOnlyList<string>? ImagePolicy, long? ExpectedVersion);

public enum ClientSort
{
    Name,
    CreatedAt,
}

public sealed record ClientFilter(string? Search = null, ClientStatus? Status = null, ClientSort Sort = ClientSort.Name, bool Descending = false);
