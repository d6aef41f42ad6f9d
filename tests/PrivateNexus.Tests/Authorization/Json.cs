using System.Text.Json.Nodes;

namespace PrivateNexus.Tests.Authorization;

/// <summary>Small readers for GraphQL answers, so the operations read as what they check.</summary>
internal static class Json
{
    public static string Str(this JsonNode node, string name) => node[name]!.GetValue<string>();

    public static IEnumerable<JsonNode> Items(this JsonNode node, string name) =>
        (node[name]!["items"] ?? node[name]!).AsArray().Select(item => item!);

    public static IEnumerable<JsonNode> List(this JsonNode node, string name) => node[name]!.AsArray().Select(item => item!);

    public static IEnumerable<string> Ids(this IEnumerable<JsonNode> items, string field = "id") =>
        items.Select(item => item[field]?.GetValue<string>() ?? "");
}
