using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using PrivateNexus.Tests.Infrastructure;

namespace PrivateNexus.Tests.Transport;

/// <summary>
/// Base of the GraphQL-over-HTTP transport tests: raw HTTP requests whose every header and byte
/// the test chooses, because the transport is exactly what is under test here (the
/// <see cref="GraphQLClient"/> of the other suites always sends well-formed requests).
/// These suites run on SQLite only: the transport never depends on the database provider.
/// </summary>
public abstract class TransportTests(PnxApp app) : AppTests(app)
{
    protected const string GraphQLResponseJson = "application/graphql-response+json";
    protected const string Json = "application/json";

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A POST of a JSON body given as text, so malformed bodies can be sent too.</summary>
    protected async Task<RawResponse> PostAsync(
        string body, string? accept = GraphQLResponseJson, string? contentType = Json, string? token = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/graphql")
        {
            Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body)),
        };
        if (contentType is not null)
        {
            request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }

        return await SendAsync(request, accept, token);
    }

    /// <summary>A POST of a GraphQL request built from its parts (serialized as JSON).</summary>
    protected Task<RawResponse> PostQueryAsync(
        string query, object? variables = null, string? operationName = null, string? accept = GraphQLResponseJson, string? token = null) =>
        PostAsync(JsonSerializer.Serialize(new { query, variables, operationName }), accept, token: token);

    /// <summary>A GET with the given query-string parameters (URL-encoded here).</summary>
    protected async Task<RawResponse> GetAsync(
        IReadOnlyDictionary<string, string> parameters, string? accept = GraphQLResponseJson, string? token = null)
    {
        var query = string.Join('&', parameters.Select(p => $"{Uri.EscapeDataString(p.Key)}={Uri.EscapeDataString(p.Value)}"));
        using var request = new HttpRequestMessage(HttpMethod.Get, query.Length == 0 ? "/graphql" : $"/graphql?{query}");
        return await SendAsync(request, accept, token);
    }

    protected async Task<RawResponse> SendAsync(HttpRequestMessage request, string? accept = GraphQLResponseJson, string? token = null)
    {
        if (accept is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept", accept);
        }

        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        using var http = App.Http();
        using var response = await http.SendAsync(request, Ct);
        return await RawResponse.ReadAsync(response);
    }

    protected async Task<string> AdminTokenAsync() => (await App.AdminAsync()).Token!;
}

/// <summary>What the server answered, read completely, with the parts the transport tests look at.</summary>
public sealed record RawResponse(HttpStatusCode Status, string? MediaType, string? Charset, IReadOnlyDictionary<string, string> Headers, string Text)
{
    public static async Task<RawResponse> ReadAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        var contentType = response.Content.Headers.ContentType;
        var headers = response.Headers.Concat(response.Content.Headers)
            .ToDictionary(h => h.Key, h => string.Join(", ", h.Value), StringComparer.OrdinalIgnoreCase);
        return new RawResponse(response.StatusCode, contentType?.MediaType, contentType?.CharSet, headers, text);
    }

    /// <summary>The body as a JSON object; fails the test when it is not one.</summary>
    public JsonObject Body => JsonNode.Parse(Text) as JsonObject ?? throw new Xunit.Sdk.XunitException($"Not a JSON object: {this}");

    public bool HasData => Body.ContainsKey("data");

    public JsonNode? Data => Body["data"];

    public JsonArray Errors => Body["errors"]?.AsArray() ?? throw new Xunit.Sdk.XunitException($"No errors in: {this}");

    public string? ErrorCode => Errors[0]?["extensions"]?["code"]?.GetValue<string>();

    public string? ErrorField => Errors[0]?["extensions"]?["field"]?.GetValue<string>();

    public string ErrorMessage => Errors[0]?["message"]?.GetValue<string>() ?? "";

    public string? Header(string name) => Headers.GetValueOrDefault(name);

    public override string ToString() => $"{(int)Status} {MediaType}: {(Text.Length > 2000 ? Text[..2000] + "…" : Text)}";
}
