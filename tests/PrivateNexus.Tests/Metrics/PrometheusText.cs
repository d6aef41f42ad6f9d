using System.Globalization;
using System.Text.RegularExpressions;

namespace PrivateNexus.Tests.Metrics;

/// <summary>
/// A strict reader of the Prometheus text exposition format (0.0.4), enough to fail on a malformed
/// line: every sample must be <c>name{label="value",…} number</c> and belong to a family declared
/// with <c># TYPE</c> before it.
/// </summary>
public sealed partial class PrometheusText
{
    private PrometheusText(List<Sample> samples, Dictionary<string, string> types) => (Samples, Types) = (samples, types);

    public IReadOnlyList<Sample> Samples { get; }

    /// <summary>Family name → type (counter, gauge, histogram, summary, untyped).</summary>
    public IReadOnlyDictionary<string, string> Types { get; }

    public static PrometheusText Parse(string text)
    {
        var samples = new List<Sample>();
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line.StartsWith("# HELP ", StringComparison.Ordinal))
            {
                continue;
            }

            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var parts = line.Split(' ');
                Assert.True(parts.Length == 4 && parts[3] is "counter" or "gauge" or "histogram" or "summary" or "untyped", $"Bad TYPE line: {line}");
                types[parts[2]] = parts[3];
                continue;
            }

            var match = SampleLine().Match(line);
            Assert.True(match.Success, $"Not a sample line: {line}");
            var name = match.Groups["name"].Value;
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (Match label in Label().Matches(match.Groups["labels"].Value))
            {
                labels[label.Groups["key"].Value] = label.Groups["value"].Value.Replace("\\\"", "\"", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal);
            }

            var family = types.Keys.FirstOrDefault(f => name == f || (name.StartsWith(f + "_", StringComparison.Ordinal) && name[(f.Length + 1)..] is "bucket" or "sum" or "count"));
            Assert.True(family is not null, $"Sample {name} has no # TYPE before it");
            samples.Add(new Sample(name, labels, ParseValue(match.Groups["value"].Value)));
        }

        return new PrometheusText(samples, types);
    }

    /// <summary>Samples of one name whose labels include all of <paramref name="labels"/>.</summary>
    public IEnumerable<Sample> Find(string name, params (string Key, string Value)[] labels) =>
        Samples.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Key, out var v) && v == l.Value));

    private static double ParseValue(string text) => text switch
    {
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
    };

    [GeneratedRegex("""^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*)\})? (?<value>\S+)( -?\d+)?$""")]
    private static partial Regex SampleLine();

    [GeneratedRegex(""" (?<key>[a-zA-Z_][a-zA-Z0-9_]*)="(?<value>([^"\\]|\\.)*)" """, RegexOptions.IgnorePatternWhitespace)]
    private static partial Regex Label();

    public sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);
}
