using System.Collections.Concurrent;
using System.Collections.Immutable;
using Docker.DotNet.Models;

namespace PrivateNexus.Server.Engine;

/// <summary>
/// Samples one node's running containers every <see cref="EngineOptions.StatsInterval"/> into the
/// mirror, so readers see stats without ever waiting on the engine. Runs inside the node agent's
/// session (cancelled with it); each reading is bounded by the call timeout, and a failed reading
/// keeps the container's previous sample (its <c>SampledAt</c> shows its age) instead of ending anything.
/// </summary>
public sealed class StatsSampler(Guid nodeId, StateMirror mirror, EngineOptions options, TimeProvider time, ILogger logger)
{
    /// <summary>A handful at once: enough to sample a busy node within the interval, little load on the engine.</summary>
    private const int Parallelism = 4;

    /// <summary>The previous CPU reading per container: one-shot readings carry no earlier one to compare with.</summary>
    private readonly Dictionary<string, CPUStats> _previousCpu = new(StringComparer.Ordinal);

    public async Task RunAsync(EngineCalls engine, CancellationToken cancellationToken)
    {
        if (options.StatsInterval <= TimeSpan.Zero)
        {
            return;
        }

        try
        {
            while (true)
            {
                try
                {
                    await SampleAsync(engine, cancellationToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // Nobody awaits this loop until the session ends: a failed round must not stop the next ones.
                    logger.LogWarning(ex, "Node {Node}: a stats round failed", nodeId);
                }

                await Task.Delay(options.StatsInterval, time, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The session ended.
        }
    }

    private async Task SampleAsync(EngineCalls engine, CancellationToken cancellationToken)
    {
        var running = mirror.Node(nodeId).Containers.Values.Where(c => c.Running).Select(c => c.Id).ToList();
        var readings = new ConcurrentDictionary<string, ContainerStatsResponse>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(
            running,
            new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken },
            async (id, token) =>
            {
                try
                {
                    if (await engine.StatsAsync(id, token) is { } reading)
                    {
                        readings[id] = reading;
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !token.IsCancellationRequested)
                {
                    logger.LogDebug("Node {Node}: no stats for container {Container}: {Error}", nodeId, id[..Math.Min(12, id.Length)], ex.Message);
                }
            });

        var now = time.GetUtcNow();
        var samples = new Dictionary<string, ContainerStats>(StringComparer.Ordinal);
        foreach (var (id, reading) in readings)
        {
            samples[id] = ContainerStats.From(reading, _previousCpu.GetValueOrDefault(id), now);
            if (reading.CPUStats is { } cpu)
            {
                _previousCpu[id] = cpu;
            }
        }

        foreach (var gone in _previousCpu.Keys.Except(running).ToList())
        {
            _previousCpu.Remove(gone);
        }

        // Rebuilt from the containers running now: stopped and removed ones drop out, failed readings keep their last sample.
        mirror.Update(nodeId, n => n with
        {
            Stats = ImmutableDictionary.CreateRange(
                StringComparer.Ordinal,
                n.Containers.Values
                    .Where(c => c.Running)
                    .Select(c => KeyValuePair.Create(c.Id, samples.GetValueOrDefault(c.Id) ?? n.Stats.GetValueOrDefault(c.Id)))
                    .Where(s => s.Value is not null)
                    .Select(s => KeyValuePair.Create(s.Key, s.Value!))),
        });
    }
}
