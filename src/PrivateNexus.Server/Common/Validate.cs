using System.Text.RegularExpressions;

namespace PrivateNexus.Server.Common;

/// <summary>Input checks shared by feature services; each failure names the offending field.</summary>
public static partial class Validate
{
    [GeneratedRegex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")]
    private static partial Regex DnsLabelRegex();

    public static string DnsLabel(string? value, string field)
    {
        var v = value?.Trim() ?? "";
        return DnsLabelRegex().IsMatch(v)
            ? v
            : throw DomainException.BadInput(field, $"'{field}' must be 1–63 lower-case letters, digits or '-', starting and ending with a letter or digit.");
    }

    public static string Text(string? value, string field, int maxLength)
    {
        var v = value?.Trim() ?? "";
        if (v.Length == 0)
        {
            throw DomainException.BadInput(field, $"'{field}' is required.");
        }

        return v.Length <= maxLength ? v : throw DomainException.BadInput(field, $"'{field}' must be at most {maxLength} characters.");
    }

    public static int Range(int value, string field, int min, int max) =>
        value >= min && value <= max ? value : throw DomainException.BadInput(field, $"'{field}' must be between {min} and {max}.");

    public static void ExpectedVersion(long? expected, long actual, string what)
    {
        if (expected is { } e && e != actual)
        {
            throw DomainException.Conflict($"The {what} was changed by someone else (version {actual}, you had {e}). Reload and try again.", "expectedVersion");
        }
    }
}
