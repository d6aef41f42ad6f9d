using System.Text.Json.Nodes;
using PrivateNexus.Tests.Infrastructure;

namespace PrivateNexus.Tests.Authorization;

/// <summary>Shared pieces of the mutation operations: snapshots and effect checks, read as the bootstrap admin.</summary>
internal static class Effects
{
    /// <summary>The whole answer (data and errors) to a read, as text to compare before and after.</summary>
    public static Func<Task<string>> Read(GraphQLClient reader, string query, object? variables = null) =>
        async () => (await reader.SendAsync(query, variables)).Body.ToJsonString();

    public static async Task IsGoneAsync(GraphQLClient root, string query, object variables)
    {
        var result = await root.SendAsync(query, variables);
        Assert.True(result.ErrorCode == "NOT_FOUND", $"Expected the object to be gone, got {result}");
    }

    public static Func<JsonNode, Task> Expect(Action<JsonNode> check) => data =>
    {
        check(data);
        return Task.CompletedTask;
    };
}
