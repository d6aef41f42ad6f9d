namespace PrivateNexus.Bench.Realtime;

/// <summary>
/// <c>RealtimeBench fanout --url … --token-file … [options]</c> or
/// <c>RealtimeBench bus --mode inprocess|redis [--redis URL] [options]</c>; see bench/README.md.
/// Options are <c>--name value</c> pairs. Exit code 0 when the run completed (the goal verdicts are in
/// the report), 1 when it could not be carried out, 2 on bad usage.
/// </summary>
internal static class Entry
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length == 0 || args.Length % 2 == 0)
        {
            return Usage();
        }

        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 1; i < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
            {
                return Usage();
            }

            options[args[i][2..]] = args[i + 1];
        }

        try
        {
            return args[0] switch
            {
                "fanout" => await FanOut.RunAsync(new Options(options)),
                "bus" => await BusLoad.RunAsync(new Options(options)),
                _ => Usage(),
            };
        }
        catch (OptionException ex)
        {
            await Console.Error.WriteLineAsync(ex.Message);
            return 2;
        }
    }

    private static int Usage()
    {
        Console.Error.WriteLine("usage: RealtimeBench fanout|bus --option value …  (see bench/README.md)");
        return 2;
    }
}

internal sealed class OptionException(string message) : Exception(message);

internal sealed class Options(Dictionary<string, string> values)
{
    public string Text(string name, string? fallback = null) =>
        values.TryGetValue(name, out var value) ? value : fallback ?? throw new OptionException($"--{name} is required");

    public int Int(string name, int fallback) =>
        values.TryGetValue(name, out var value)
            ? int.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, out var n) && n >= 0 ? n : throw new OptionException($"--{name} must be a non-negative integer")
            : fallback;
}
