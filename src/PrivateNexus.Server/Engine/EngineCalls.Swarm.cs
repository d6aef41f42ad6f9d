using Docker.DotNet;
using Docker.DotNet.Models;

namespace PrivateNexus.Server.Engine;

/// <summary>Swarm services: only on a swarm manager, only ours (labelled with this node record).</summary>
public sealed partial class EngineCalls
{
    public async Task<IList<SwarmService>> ListOurSwarmServicesAsync(CancellationToken cancellationToken)
    {
        using var bounded = Bounded(cancellationToken);
        return await client.Swarm.ListServicesAsync(new ServiceListParameters { Filters = OursFilter() }, bounded.Token);
    }

    public async Task<string> CreateSwarmServiceAsync(ServiceSpec spec, CancellationToken cancellationToken)
    {
        using var bounded = Bounded(cancellationToken);
        var created = await client.Swarm.CreateServiceAsync(new ServiceCreateParameters { Service = spec }, bounded.Token);
        return created.ID ?? "";
    }

    /// <summary>Replaces the service's spec; <paramref name="version"/> is the one read, so a concurrent change fails instead of being lost.</summary>
    public async Task UpdateSwarmServiceAsync(string id, ulong version, ServiceSpec spec, CancellationToken cancellationToken)
    {
        using var bounded = Bounded(cancellationToken);
        await client.Swarm.UpdateServiceAsync(id, new ServiceUpdateParameters { Service = spec, Version = (long)version }, bounded.Token);
    }

    public async Task RemoveSwarmServiceAsync(string id, CancellationToken cancellationToken)
    {
        try
        {
            using var bounded = Bounded(cancellationToken);
            await client.Swarm.RemoveServiceAsync(id, bounded.Token);
        }
        catch (DockerApiException ex) when (ex.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            // Already gone: the goal is reached.
        }
    }
}
