using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PrivateNexus.Tests.Infrastructure;

/// <summary>Sends GraphQL over HTTP as a real client would and exposes the parts tests look at.</summary>
public sealed class GraphQLClient(HttpClient http, string? token)
{
    public string? Token { get; } = token;

    public HttpClient Http { get; } = http;

    public async Task<GraphQLResult> SendAsync(string query, object? variables = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/graphql")
        {
            Content = JsonContent.Create(new { query, variables }),
        };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/graphql-response+json"));
        if (Token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        }

        using var response = await Http.SendAsync(request, TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        return new GraphQLResult(response.StatusCode, JsonNode.Parse(body)?.AsObject() ?? []);
    }

    /// <summary>Runs the operation and returns <c>data</c>, failing the test if there was any error.</summary>
    public async Task<JsonNode> DataAsync(string query, object? variables = null)
    {
        var result = await SendAsync(query, variables);
        Assert.True(result.Errors is null, $"Unexpected errors: {result.Errors?.ToJsonString()}");
        return result.Data!;
    }
}

public sealed record GraphQLResult(HttpStatusCode Status, JsonObject Body)
{
    public JsonNode? Data => Body["data"];

    public JsonArray? Errors => Body["errors"]?.AsArray();

    /// <summary>The code of the first error, or null when there was none.</summary>
    public string? ErrorCode => Errors?[0]?["extensions"]?["code"]?.GetValue<string>();

    public string? ErrorField => Errors?[0]?["extensions"]?["field"]?.GetValue<string>();

    public override string ToString() => $"{(int)Status} {Body.ToJsonString(new JsonSerializerOptions { WriteIndented = false })}";
}
