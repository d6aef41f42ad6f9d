using System.Globalization;
using GraphQL.Types;

namespace PrivateNexus.Server.GraphQL.Types;

/// <summary>
/// GraphQL.NET's <c>DateTimeOffset</c> scalar, writing the same text (ISO 8601, the fraction without
/// trailing zeros) without its custom format pattern: a page of services with their instances
/// formats a hundred start times, and the pattern walk was over 5 % of the page's CPU. Parsing is
/// GraphQL.NET's own.
/// </summary>
public sealed class DateTimeOffsetScalar : DateTimeOffsetGraphType
{
    // "O": yyyy-MM-ddTHH:mm:ss.fffffff±hh:mm — the fraction is always the seven characters after the dot.
    private const int FractionStart = 20;
    private const int FractionEnd = 27;

    public DateTimeOffsetScalar() => Name = "DateTimeOffset";

    public override object? Serialize(object? value) => value is DateTimeOffset time ? Format(time) : base.Serialize(value);

    public static string Format(DateTimeOffset value)
    {
        Span<char> text = stackalloc char[40];
        if (!value.TryFormat(text, out var written, "O", CultureInfo.InvariantCulture) || written < FractionEnd || text[FractionStart - 1] != '.')
        {
            return value.ToString("yyyy-MM-ddTHH:mm:ss.FFFFFFFzzz", CultureInfo.InvariantCulture);
        }

        var end = FractionEnd;
        while (end > FractionStart && text[end - 1] == '0')
        {
            end--;
        }

        // No fraction left: no dot either.
        return string.Concat(text[..(end == FractionStart ? FractionStart - 1 : end)], text[FractionEnd..written]);
    }
}
