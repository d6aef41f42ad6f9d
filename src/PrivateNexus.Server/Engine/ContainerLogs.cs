using System.Buffers;
using System.Globalization;
using System.Text;
using Docker.DotNet;

namespace PrivateNexus.Server.Engine;

public enum LogStream
{
    Stdout,
    Stderr,
}

/// <summary>One line a container wrote, with the time the engine recorded it (null if the engine gave none).</summary>
public sealed record LogLine(DateTimeOffset? Time, LogStream Stream, string Text);

/// <summary>What to read: the last <paramref name="Tail"/> lines, optionally only those between two times.</summary>
public sealed record LogQuery(int Tail, DateTimeOffset? Since, DateTimeOffset? Until);

/// <summary>One container's lines, oldest first; <paramref name="Truncated"/> when reading stopped before the end.</summary>
public sealed record ContainerLog(IReadOnlyList<LogLine> Lines, bool Truncated);

/// <summary>
/// Turns the chunks read from a log stream into lines: per stream (frames of stdout and stderr
/// interleave, and a long line can span chunks), split at newlines, the engine's timestamp prefix
/// parsed off. Counts the bytes it takes, so the reader can stop at its cap.
/// </summary>
internal sealed class LogLineSplitter(int maxBytes)
{
    private readonly List<LogLine> _lines = [];
    private readonly ArrayBufferWriter<byte> _stdout = new();
    private readonly ArrayBufferWriter<byte> _stderr = new();

    public int Remaining { get; private set; } = maxBytes;

    public void Add(MultiplexedStream.TargetStream target, ReadOnlySpan<byte> chunk)
    {
        Remaining -= chunk.Length;
        var stream = target == MultiplexedStream.TargetStream.StandardError ? LogStream.Stderr : LogStream.Stdout;
        var pending = stream == LogStream.Stderr ? _stderr : _stdout;
        while (chunk.IndexOf((byte)'\n') is var newline and >= 0)
        {
            pending.Write(chunk[..newline]);
            Emit(stream, pending);
            chunk = chunk[(newline + 1)..];
        }

        pending.Write(chunk);
    }

    /// <summary>For following a log: the complete lines read so far, handed over and forgotten (no byte cap).</summary>
    public List<LogLine> TakeLines()
    {
        var lines = _lines.ToList();
        _lines.Clear();
        Remaining = int.MaxValue;
        return lines;
    }

    /// <summary>The lines read. At the end of the stream a last line without newline counts; when cut short it does not.</summary>
    public ContainerLog Finish(bool truncated)
    {
        if (!truncated)
        {
            Emit(LogStream.Stdout, _stdout);
            Emit(LogStream.Stderr, _stderr);
        }

        return new ContainerLog(_lines, truncated);
    }

    private void Emit(LogStream stream, ArrayBufferWriter<byte> pending)
    {
        if (pending.WrittenCount == 0)
        {
            return;
        }

        var text = Encoding.UTF8.GetString(pending.WrittenSpan).TrimEnd('\r');
        pending.ResetWrittenCount();
        var space = text.IndexOf(' ', StringComparison.Ordinal);
        if (space > 0 && ParseTimestamp(text[..space]) is { } time)
        {
            _lines.Add(new LogLine(time, stream, text[(space + 1)..]));
        }
        else
        {
            _lines.Add(new LogLine(null, stream, text));
        }
    }

    /// <summary>
    /// RFC 3339 with nanoseconds (Docker, Podman). .NET keeps 100 ns ticks: the extra digits are cut, not
    /// rounded, so a line's time passed back as <c>since</c> never lies after the line (since is inclusive).
    /// </summary>
    internal static DateTimeOffset? ParseTimestamp(string text)
    {
        var dot = text.IndexOf('.', StringComparison.Ordinal);
        var digits = dot < 0 ? 0 : text.AsSpan(dot + 1).IndexOfAnyExceptInRange('0', '9') is var n and >= 0 ? n : text.Length - dot - 1;
        if (digits > 7)
        {
            text = string.Concat(text.AsSpan(0, dot + 8), text.AsSpan(dot + 1 + digits));
        }

        return text.Contains('T', StringComparison.Ordinal)
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)
                ? time
                : null;
    }
}
