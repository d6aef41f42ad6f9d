using System.Text;
using Docker.DotNet;
using Docker.DotNet.Models;
using PrivateNexus.Server.Engine;

namespace PrivateNexus.Tests.Unit;

/// <summary>The engine-free parts of logs and stats: splitting demultiplexed chunks into lines, and the docker CLI's arithmetic.</summary>
public sealed class LogAndStatsParsingTests
{
    private const MultiplexedStream.TargetStream Out = MultiplexedStream.TargetStream.StandardOut;
    private const MultiplexedStream.TargetStream Err = MultiplexedStream.TargetStream.StandardError;

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    [Fact]
    public void Lines_are_split_per_stream_even_when_chunks_cut_them_and_timestamps_are_parsed_off()
    {
        var splitter = new LogLineSplitter(1024);
        (MultiplexedStream.TargetStream Target, byte[] Bytes)[] chunks =
        [
            (Out, Bytes("2026-01-02T03:04:05.123456789Z hel")),
            (Err, Bytes("2026-01-02T03:04:06Z oops\n")),
            (Out, Bytes("lo\n2026-01-02T03:04:07.5Z \r\n")),
        ];
        foreach (var (target, bytes) in chunks)
        {
            splitter.Add(target, bytes);
        }

        var log = splitter.Finish(truncated: false);

        Assert.False(log.Truncated);
        Assert.Equal(
            [
                new LogLine(DateTimeOffset.Parse("2026-01-02T03:04:06Z", System.Globalization.CultureInfo.InvariantCulture), LogStream.Stderr, "oops"),
                new LogLine(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero).AddTicks(1_234_567), LogStream.Stdout, "hello"),
                new LogLine(new DateTimeOffset(2026, 1, 2, 3, 4, 7, 500, TimeSpan.Zero), LogStream.Stdout, ""),
            ],
            log.Lines);
        Assert.Equal(1024 - chunks.Sum(c => c.Bytes.Length), splitter.Remaining);
    }

    [Fact]
    public void A_line_cut_by_the_cap_is_dropped_but_a_last_line_without_newline_is_kept_at_the_end()
    {
        var cut = new LogLineSplitter(100);
        cut.Add(Out, Bytes("2026-01-02T03:04:05Z one\n2026-01-02T03:04:06Z tw"));
        Assert.Equal(["one"], cut.Finish(truncated: true).Lines.Select(l => l.Text));

        var ended = new LogLineSplitter(100);
        ended.Add(Out, Bytes("no timestamp here"));
        var line = Assert.Single(ended.Finish(truncated: false).Lines);
        Assert.Null(line.Time);
        Assert.Equal("no timestamp here", line.Text);
    }

    [Fact]
    public void Cpu_percent_is_the_containers_share_of_host_cpu_time_times_the_cpus()
    {
        var before = new CPUStats { CPUUsage = new CPUUsage { TotalUsage = 1_000 }, SystemUsage = 10_000, OnlineCPUs = 2 };
        var now = new CPUStats { CPUUsage = new CPUUsage { TotalUsage = 1_500 }, SystemUsage = 12_000, OnlineCPUs = 2 };
        Assert.Equal(50.0, ContainerStats.CpuPercentBetween(now, before));
        Assert.Null(ContainerStats.CpuPercentBetween(now, null));
        Assert.Null(ContainerStats.CpuPercentBetween(before, now));

        // A one-shot reading has an empty precpu_stats: the sampler's previous reading stands in.
        var reading = new ContainerStatsResponse { CPUStats = now, PreCPUStats = new CPUStats { CPUUsage = new CPUUsage() } };
        Assert.Equal(50.0, ContainerStats.From(reading, before, DateTimeOffset.UnixEpoch).CpuPercent);
        Assert.Null(ContainerStats.From(reading, null, DateTimeOffset.UnixEpoch).CpuPercent);
    }

    [Fact]
    public void Memory_leaves_out_inactive_page_cache_and_io_counters_are_summed_like_the_cli()
    {
        var reading = new ContainerStatsResponse
        {
            MemoryStats = new MemoryStats { Usage = 1_617_920, Limit = 16_777_216, Stats = new Dictionary<string, ulong> { ["total_inactive_file"] = 1_069_056 } },
            Networks = new Dictionary<string, NetworkStats>
            {
                ["eth0"] = new() { RxBytes = 1_000, TxBytes = 10 },
                ["eth1"] = new() { RxBytes = 24, TxBytes = 5 },
            },
            BlkioStats = new BlkioStats
            {
                IoServiceBytesRecursive =
                [
                    new() { Op = "Read", Value = 4_096 },
                    new() { Op = "write", Value = 512 },
                    new() { Op = "Total", Value = 4_608 },
                ],
            },
        };

        var stats = ContainerStats.From(reading, null, DateTimeOffset.UnixEpoch);

        Assert.Equal(548_864, stats.MemoryBytes);
        Assert.Equal(16_777_216, stats.MemoryLimitBytes);
        Assert.Equal((1_024L, 15L), (stats.NetworkRxBytes, stats.NetworkTxBytes));
        Assert.Equal((4_096L, 512L), (stats.BlockReadBytes, stats.BlockWriteBytes));
        Assert.Equal(1_000UL, ContainerStats.MemoryWithoutCache(new MemoryStats { Usage = 1_000, Stats = new Dictionary<string, ulong> { ["inactive_file"] = 5_000 } }));
    }
}
