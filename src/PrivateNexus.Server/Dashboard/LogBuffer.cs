using System.Text;
using PrivateNexus.Server.Features.Services;

namespace PrivateNexus.Server.Dashboard;

/// <summary>
/// The lines a log view holds: the newest <see cref="Capacity"/>, with pause (lines keep arriving but
/// are held back until resumed) and a case-insensitive search over what is held.
/// </summary>
public sealed class LogBuffer(int capacity = 2_000)
{
    private readonly LinkedList<ServiceLogLine> _lines = new();
    private readonly List<ServiceLogLine> _held = [];
    private readonly Lock _gate = new();

    public int Capacity { get; } = capacity;

    public bool Paused { get; private set; }

    public int HeldBack
    {
        get
        {
            lock (_gate)
            {
                return _held.Count;
            }
        }
    }

    public void Add(ServiceLogLine line)
    {
        lock (_gate)
        {
            if (Paused)
            {
                _held.Add(line);
                if (_held.Count > Capacity)
                {
                    _held.RemoveAt(0);
                }

                return;
            }

            Append(line);
        }
    }

    public void Pause()
    {
        lock (_gate)
        {
            Paused = true;
        }
    }

    public void Resume()
    {
        lock (_gate)
        {
            Paused = false;
            foreach (var line in _held)
            {
                Append(line);
            }

            _held.Clear();
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _lines.Clear();
            _held.Clear();
        }
    }

    public IReadOnlyList<ServiceLogLine> Matching(string? search)
    {
        lock (_gate)
        {
            return string.IsNullOrWhiteSpace(search)
                ? [.. _lines]
                : [.. _lines.Where(l => l.Line.Text.Contains(search.Trim(), StringComparison.OrdinalIgnoreCase))];
        }
    }

    /// <summary>The held lines as a text file: time, replica, stream, text.</summary>
    public string ToText(string? search)
    {
        var text = new StringBuilder();
        foreach (var l in Matching(search))
        {
            text.Append(l.Line.Time?.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture) ?? "-")
                .Append(" [").Append(l.Instance.Replica).Append(' ').Append(l.Line.Stream.ToString().ToLowerInvariant()).Append("] ")
                .Append(l.Line.Text).Append('\n');
        }

        return text.ToString();
    }

    private void Append(ServiceLogLine line)
    {
        _lines.AddLast(line);
        if (_lines.Count > Capacity)
        {
            _lines.RemoveFirst();
        }
    }
}
