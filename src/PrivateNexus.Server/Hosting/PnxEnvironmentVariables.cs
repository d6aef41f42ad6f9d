using System.Collections;
using System.Globalization;
using System.Text;

namespace PrivateNexus.Server.Hosting;

/// <summary>
/// Maps <c>PNX_DATA_DIR</c> style variables to <c>Pnx:DataDir</c>, and <c>PNX_GRAPHQL__MAX_DEPTH</c>
/// to <c>Pnx:GraphQL:MaxDepth</c>, so operators can use conventional UPPER_SNAKE names while the
/// options stay ordinary .NET configuration (appsettings, <c>Pnx__DataDir</c> also work).
/// </summary>
public static class PnxEnvironmentVariables
{
    private const string Prefix = "PNX_";

    public static IConfigurationBuilder AddPnxEnvironmentVariables(this IConfigurationBuilder builder, IDictionary? environment = null)
    {
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (DictionaryEntry entry in environment ?? Environment.GetEnvironmentVariables())
        {
            if (entry.Key is string name && name.StartsWith(Prefix, StringComparison.Ordinal))
            {
                values[ToKey(name[Prefix.Length..])] = entry.Value as string;
            }
        }

        return builder.AddInMemoryCollection(values);
    }

    /// <summary><c>GRAPHQL__MAX_DEPTH</c> → <c>Pnx:Graphql:MaxDepth</c> (binding is case-insensitive).</summary>
    internal static string ToKey(string snake)
    {
        var key = new StringBuilder(PnxOptions.Section);
        foreach (var segment in snake.Split("__"))
        {
            key.Append(':');
            foreach (var word in segment.Split('_', StringSplitOptions.RemoveEmptyEntries))
            {
                key.Append(char.ToUpper(word[0], CultureInfo.InvariantCulture)).Append(word[1..].ToLowerInvariant());
            }
        }

        return key.ToString();
    }

    /// <summary>
    /// The other way round, for messages: <c>Pnx:GraphQL:MaxDepth</c> → <c>PNX_GRAPHQL__MAX_DEPTH</c>.
    /// A word starts at a capital followed by a small letter, so acronyms (GraphQL) stay one word.
    /// </summary>
    public static string ToVariable(string key)
    {
        var segments = key.Split(':');
        if (!string.Equals(segments[0], PnxOptions.Section, StringComparison.OrdinalIgnoreCase))
        {
            return key.Replace(":", "__", StringComparison.Ordinal);
        }

        var variable = new StringBuilder(Prefix.TrimEnd('_'));
        foreach (var segment in segments.Skip(1))
        {
            variable.Append(variable.Length == Prefix.Length - 1 ? "_" : "__");
            for (var i = 0; i < segment.Length; i++)
            {
                var c = segment[i];
                if (i > 0 && char.IsUpper(c) && i + 1 < segment.Length && char.IsLower(segment[i + 1]))
                {
                    variable.Append('_');
                }

                variable.Append(char.ToUpperInvariant(c));
            }
        }

        return variable.ToString();
    }
}
