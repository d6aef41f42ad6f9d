using Docker.DotNet;
using Docker.DotNet.Models;

namespace PrivateNexus.Server.Engine;

public sealed partial class EngineCalls
{
    /// <summary>
    /// One reading of a container's resource counters, or null when it is gone. One-shot: the engine
    /// answers at once instead of waiting a second for a second reading (the sampler keeps its own).
    /// </summary>
    public async Task<ContainerStatsResponse?> StatsAsync(string id, CancellationToken cancellationToken)
    {
        using var bounded = Bounded(cancellationToken);
        var reading = new LastReading();
        try
        {
            await client.Containers.GetContainerStatsAsync(id, new ContainerStatsParameters { Stream = false, OneShot = true }, reading, bounded.Token);
        }
        catch (DockerContainerNotFoundException)
        {
            return null;
        }

        return reading.Value;
    }

    /// <summary>Keeps the reported value synchronously (<see cref="Progress{T}"/> would post it later, after the call returned).</summary>
    private sealed class LastReading : IProgress<ContainerStatsResponse>
    {
        public ContainerStatsResponse? Value { get; private set; }

        public void Report(ContainerStatsResponse value) => Value = value;
    }
}
