namespace PrivateNexus.Server.Dashboard;

/// <summary>Field paths as the feature services name them (<c>input.quota.services</c>), reduced to the last part a form keys its errors by.</summary>
public static class FieldNames
{
    public static string FormKey(string field)
    {
        var path = field.StartsWith("input.", StringComparison.Ordinal) ? field["input.".Length..] : field;

        // A list's item (imagePolicy[2]) is shown under the list's one field.
        var bracket = path.IndexOf('[', StringComparison.Ordinal);
        return bracket > 0 && !path.Contains('.', StringComparison.Ordinal) ? path[..bracket] : path;
    }
}
