using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using PrivateNexus.Server.Features.Services;

namespace PrivateNexus.Server.Dashboard;

public enum DiffKind
{
    Same,
    Added,
    Removed,
}

public sealed record DiffLine(DiffKind Kind, string Text);

/// <summary>A line diff of two revisions' specs as indented JSON, secrets redacted as in the audit log.</summary>
public static class SpecDiff
{
    // Shown as text (Blazor encodes it for the page), so characters are written as they are: the
    // default encoder would show a command's "'" as "\u0027" and "&" as "\u0026".
    private static readonly JsonSerializerOptions Indented = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string Render(ServiceSpec spec) => JsonSerializer.Serialize(ServiceManager.Redacted(spec), Indented);

    public static IReadOnlyList<DiffLine> Lines(ServiceSpec before, ServiceSpec after) => Lines(Render(before).Split('\n'), Render(after).Split('\n'));

    /// <summary>Longest common subsequence: specs are a few dozen lines, so the quadratic table is tiny.</summary>
    public static IReadOnlyList<DiffLine> Lines(IReadOnlyList<string> a, IReadOnlyList<string> b)
    {
        var lcs = new int[a.Count + 1, b.Count + 1];
        for (var i = a.Count - 1; i >= 0; i--)
        {
            for (var j = b.Count - 1; j >= 0; j--)
            {
                lcs[i, j] = a[i] == b[j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
            }
        }

        var result = new List<DiffLine>();
        int x = 0, y = 0;
        while (x < a.Count && y < b.Count)
        {
            if (a[x] == b[y])
            {
                result.Add(new DiffLine(DiffKind.Same, a[x]));
                x++;
                y++;
            }
            else if (lcs[x + 1, y] >= lcs[x, y + 1])
            {
                result.Add(new DiffLine(DiffKind.Removed, a[x++]));
            }
            else
            {
                result.Add(new DiffLine(DiffKind.Added, b[y++]));
            }
        }

        result.AddRange(a.Skip(x).Select(t => new DiffLine(DiffKind.Removed, t)));
        result.AddRange(b.Skip(y).Select(t => new DiffLine(DiffKind.Added, t)));
        return result;
    }
}
