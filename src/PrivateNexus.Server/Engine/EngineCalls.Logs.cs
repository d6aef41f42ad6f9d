using System.Globalization;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace PrivateNexus.Server.Engine;

public sealed partial class EngineCalls
{
    /// <summary>
    /// A container's log, stdout and stderr told apart, reading at most <paramref name="maxBytes"/> and
    /// for at most the call timeout; null when the container is gone. A slow stream is cut at the timeout
    /// (what arrived is kept, marked truncated); an engine that does not answer at all throws.
    /// </summary>
    public async Task<ContainerLog?> LogsAsync(string id, LogQuery query, int maxBytes, CancellationToken cancellationToken)
    {
        using var bounded = Bounded(cancellationToken);
        MultiplexedStream stream;
        try
        {
            // The client inspects the container first: a TTY container's log is one raw stream, all stdout.
            stream = await client.Containers.GetContainerLogsAsync(
                id,
                new ContainerLogsParameters
                {
                    ShowStdout = true,
                    ShowStderr = true,
                    Timestamps = true,
                    Follow = false,
                    Tail = query.Tail.ToString(CultureInfo.InvariantCulture),
                    Since = UnixTime(query.Since),
                    Until = UnixTime(query.Until),
                },
                bounded.Token);
        }
        catch (Exception ex) when (IsGone(ex))
        {
            return null;
        }

        using (stream)
        {
            var lines = new LogLineSplitter(maxBytes);
            var buffer = new byte[16 * 1024];
            try
            {
                while (true)
                {
                    // One byte past the cap tells a log that ends exactly there from one that goes on.
                    var read = await stream.ReadOutputAsync(buffer, 0, Math.Min(buffer.Length, lines.Remaining + 1), bounded.Token);
                    if (read.EOF)
                    {
                        return Tail(lines.Finish(truncated: false), query.Tail);
                    }

                    var taken = Math.Min(read.Count, lines.Remaining);
                    lines.Add(read.Target, buffer.AsSpan(0, taken));
                    if (taken < read.Count)
                    {
                        return Tail(lines.Finish(truncated: true), query.Tail);
                    }
                }
            }
            catch (Exception) when (bounded.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                // Out of time mid-stream: what arrived stands, marked as cut short.
                return Tail(lines.Finish(truncated: true), query.Tail);
            }
        }
    }

    /// <summary>
    /// Follows a container's log as it is written (after its last <paramref name="tail"/> lines, or all
    /// since <paramref name="since"/>), until the container stops or <paramref name="cancellationToken"/>
    /// fires. Only the connection is bounded by the call timeout; the stream lives as long as it is read.
    /// </summary>
    public async IAsyncEnumerable<LogLine> FollowLogsAsync(
        string id, int? tail, DateTimeOffset? since, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var stream = await OpenFollowAsync(id, tail, since, cancellationToken);
        if (stream is null)
        {
            yield break;
        }

        using (stream)
        {
            var lines = new LogLineSplitter(int.MaxValue);
            var buffer = new byte[16 * 1024];
            while (true)
            {
                var read = await stream.ReadOutputAsync(buffer, 0, buffer.Length, cancellationToken);
                if (read.EOF)
                {
                    foreach (var line in lines.Finish(truncated: false).Lines)
                    {
                        yield return line;
                    }

                    yield break;
                }

                lines.Add(read.Target, buffer.AsSpan(0, read.Count));
                foreach (var line in lines.TakeLines())
                {
                    yield return line;
                }
            }
        }
    }

    private async Task<MultiplexedStream?> OpenFollowAsync(string id, int? tail, DateTimeOffset? since, CancellationToken cancellationToken)
    {
        using var bounded = Bounded(cancellationToken);
        try
        {
            return await client.Containers.GetContainerLogsAsync(
                id,
                new ContainerLogsParameters
                {
                    ShowStdout = true,
                    ShowStderr = true,
                    Timestamps = true,
                    Follow = true,
                    Tail = tail?.ToString(CultureInfo.InvariantCulture) ?? "all",
                    Since = UnixTime(since),
                },
                bounded.Token);
        }
        catch (Exception ex) when (IsGone(ex))
        {
            return null;
        }
    }

    /// <summary>Podman 4.3 answers <c>tail=N</c> with N+1 lines; the limit is ours to keep.</summary>
    private static ContainerLog Tail(ContainerLog log, int tail) =>
        log.Lines.Count <= tail ? log : log with { Lines = [.. log.Lines.Skip(log.Lines.Count - tail)] };

    /// <summary>The engine takes Unix seconds with a fraction (nanoseconds); nothing given means no bound.</summary>
    private static string? UnixTime(DateTimeOffset? time)
    {
        if (time is not { } value)
        {
            return null;
        }

        var ticks = Math.Max(0, (value - DateTimeOffset.UnixEpoch).Ticks);
        return string.Create(CultureInfo.InvariantCulture, $"{ticks / TimeSpan.TicksPerSecond}.{ticks % TimeSpan.TicksPerSecond * 100:D9}");
    }
}
