using System.Globalization;

namespace PrivateNexus.Bench.Realtime;

/// <summary>Percentiles (nearest rank) and the /proc readings the reports use.</summary>
internal static class Stats
{
    public static double Percentile(double[] sorted, double p)
    {
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        var rank = (int)Math.Ceiling(p / 100.0 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    public static Dictionary<string, double> Summary(IEnumerable<double> values)
    {
        var sorted = values.ToArray();
        Array.Sort(sorted);
        return new Dictionary<string, double>
        {
            ["count"] = sorted.Length,
            ["min"] = sorted.Length == 0 ? double.NaN : sorted[0],
            ["p50"] = Percentile(sorted, 50),
            ["p95"] = Percentile(sorted, 95),
            ["p99"] = Percentile(sorted, 99),
            ["p999"] = Percentile(sorted, 99.9),
            ["max"] = sorted.Length == 0 ? double.NaN : sorted[^1],
            ["mean"] = sorted.Length == 0 ? double.NaN : sorted.Average(),
        };
    }

    /// <summary>VmRSS of a process in MB, or NaN when it cannot be read.</summary>
    public static double RssMb(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    var kb = double.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                    return kb / 1024.0;
                }
            }
        }
        catch (IOException)
        {
        }

        return double.NaN;
    }

    /// <summary>utime + stime of a process in clock ticks (USER_HZ, 100 here), or -1.</summary>
    public static long CpuTicks(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // After "pid (comm) ": state is field 0, utime field 11, stime field 12.
            return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return -1;
        }
    }

    public static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "?";
        }
    }

    public static string F(double value, int decimals = 1) =>
        double.IsNaN(value) ? "–" : value.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
}
