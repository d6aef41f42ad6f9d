using Docker.DotNet.Models;

namespace PrivateNexus.Server.Engine;

/// <summary>
/// One resource sample of a running container, computed the way the docker CLI computes
/// <c>docker stats</c>. Counters (network, block I/O) are totals since the container started.
/// </summary>
/// <param name="CpuPercent">Share of one CPU × 100 (200 = two CPUs busy); null until two readings can be compared.</param>
/// <param name="MemoryBytes">Usage without the page cache the kernel can drop (inactive files), as the CLI shows it.</param>
public sealed record ContainerStats(
    DateTimeOffset SampledAt,
    double? CpuPercent,
    long MemoryBytes,
    long MemoryLimitBytes,
    long NetworkRxBytes,
    long NetworkTxBytes,
    long BlockReadBytes,
    long BlockWriteBytes)
{
    /// <summary>CPU time the container used since it started, in nanoseconds (what Prometheus' CPU seconds are made of).</summary>
    public long CpuUsageNanoseconds { get; init; }

    /// <summary>
    /// Turns an engine's reading into a sample. CPU % needs two readings: the engine's own previous one
    /// when it sends it (a streamed or non-one-shot reading, e.g. Podman), else ours from the last round.
    /// </summary>
    public static ContainerStats From(ContainerStatsResponse reading, CPUStats? previous, DateTimeOffset sampledAt)
    {
        var before = reading.PreCPUStats is { SystemUsage: > 0 } engines ? engines : previous;
        var (read, write) = BlockIo(reading.BlkioStats);
        return new ContainerStats(
            sampledAt,
            CpuPercentBetween(reading.CPUStats, before),
            Clamp(MemoryWithoutCache(reading.MemoryStats)),
            Clamp(reading.MemoryStats?.Limit ?? 0),
            Clamp(reading.Networks?.Values.Aggregate(0UL, (sum, n) => sum + n.RxBytes) ?? 0),
            Clamp(reading.Networks?.Values.Aggregate(0UL, (sum, n) => sum + n.TxBytes) ?? 0),
            Clamp(read),
            Clamp(write))
        {
            CpuUsageNanoseconds = Clamp(reading.CPUStats?.CPUUsage?.TotalUsage ?? 0),
        };
    }

    /// <summary>The container's CPU time over the host's, times the CPUs online (docker CLI, Linux).</summary>
    internal static double? CpuPercentBetween(CPUStats? now, CPUStats? before)
    {
        if (now?.CPUUsage is null || before?.CPUUsage is null || now.SystemUsage is not { } system || before.SystemUsage is not { } systemBefore)
        {
            return null;
        }

        // Counters reset when the container restarts under the same id: no delta to speak of then.
        if (now.CPUUsage.TotalUsage < before.CPUUsage.TotalUsage || system <= systemBefore)
        {
            return null;
        }

        var cpus = now.OnlineCPUs is > 0 ? now.OnlineCPUs.Value : (uint)(now.CPUUsage.PercpuUsage?.Count ?? 0);
        var share = (double)(now.CPUUsage.TotalUsage - before.CPUUsage.TotalUsage) / (system - systemBefore);
        return Math.Round(share * Math.Max(cpus, 1u) * 100.0, 2);
    }

    /// <summary>cgroup v1 reports total_inactive_file, v2 inactive_file; the CLI subtracts whichever is there.</summary>
    internal static ulong MemoryWithoutCache(MemoryStats? memory)
    {
        if (memory?.Usage is not { } usage)
        {
            return 0;
        }

        var stats = memory.Stats ?? new Dictionary<string, ulong>();
        if (stats.TryGetValue("total_inactive_file", out var v1) && v1 < usage)
        {
            return usage - v1;
        }

        return stats.TryGetValue("inactive_file", out var v2) && v2 < usage ? usage - v2 : usage;
    }

    internal static (ulong Read, ulong Write) BlockIo(BlkioStats? blkio)
    {
        ulong read = 0, write = 0;
        foreach (var entry in blkio?.IoServiceBytesRecursive ?? [])
        {
            // v1 says "Read"/"Write", v2 "read"/"write"; the CLI looks at the first letter only.
            switch (entry.Op is { Length: > 0 } op ? char.ToLowerInvariant(op[0]) : ' ')
            {
                case 'r':
                    read += entry.Value;
                    break;
                case 'w':
                    write += entry.Value;
                    break;
            }
        }

        return (read, write);
    }

    private static long Clamp(ulong value) => value > long.MaxValue ? long.MaxValue : (long)value;
}
