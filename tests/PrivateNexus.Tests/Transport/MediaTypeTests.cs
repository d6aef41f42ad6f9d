using System.Net;
using PrivateNexus.Tests.Infrastructure;

namespace PrivateNexus.Tests.Transport;

/// <summary>Methods, request and response media types, and Accept negotiation (GraphQL over HTTP §Request, §Body).</summary>
public abstract class MediaTypeTests(PnxApp app) : TransportTests(app)
{
    [Fact]
    public async Task Post_with_application_json_runs_the_operation()
    {
        var response = await PostAsync("""{"query":"{ __typename }"}""");

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal("Query", response.Data?["__typename"]?.GetValue<string>());
        Assert.False(response.Body.ContainsKey("errors"), response.ToString());
    }

    [Theory]
    [InlineData(GraphQLResponseJson, GraphQLResponseJson)]
    [InlineData(Json, Json)]
    [InlineData(null, Json)] // no Accept header: a legacy client, answered as before the spec
    [InlineData("*/*", GraphQLResponseJson)]
    [InlineData("application/*", GraphQLResponseJson)]
    [InlineData("application/graphql-response+json; charset=utf-8, application/json; charset=utf-8", GraphQLResponseJson)] // the spec's recommended header
    [InlineData("application/graphql-response+json,application/json;q=0.9", GraphQLResponseJson)] // Apollo Client
    [InlineData("application/json;q=0.9, application/graphql-response+json", GraphQLResponseJson)]
    [InlineData("application/graphql-response+json;q=0.5, application/json", Json)] // the client prefers JSON
    [InlineData("application/graphql-response+json;q=0, application/json", Json)] // q=0 means "not acceptable"
    [InlineData("text/html, application/json;q=0.9", Json)] // unsupported types are skipped
    [InlineData("APPLICATION/JSON", Json)] // media types are case-insensitive
    public async Task Accept_header_chooses_the_response_media_type(string? accept, string expected)
    {
        var response = await PostAsync("""{"query":"{ __typename }"}""", accept);

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal(expected, response.MediaType);
        Assert.Equal("utf-8", response.Charset);
    }

    [Theory]
    [InlineData("text/html")]
    [InlineData("application/xml")]
    [InlineData("application/json;q=0")]
    [InlineData("text/event-stream")]
    public async Task Unacceptable_accept_header_is_406(string accept)
    {
        var response = await PostAsync("""{"query":"{ __typename }"}""", accept);

        Assert.Equal(HttpStatusCode.NotAcceptable, response.Status);
        Assert.Equal(Json, response.MediaType);
        Assert.False(response.HasData, response.ToString());
        Assert.Contains(GraphQLResponseJson, response.ErrorMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData("application/json; charset=utf-8")]
    [InlineData("application/json; charset=UTF-8")]
    [InlineData("application/json;charset=\"utf-8\"")] // a quoted parameter value is the same value (RFC 9110 §5.6.6)
    [InlineData("Application/JSON; charset=utf-8")]
    public async Task Utf8_json_bodies_are_accepted(string contentType)
    {
        var response = await PostAsync("""{"query":"{ __typename }"}""", contentType: contentType);

        Assert.Equal(HttpStatusCode.OK, response.Status);
    }

    [Fact]
    public async Task Non_ascii_text_in_the_document_and_the_variables_is_read_as_utf8()
    {
        // The spec audit's own example: an emoji in a string literal and in a variable value.
        var response = await PostQueryAsync(
            """query Q($name: String!) { a: __type(name: "Run🏃Swim🏊") { name } b: __type(name: $name) { name } }""",
            new { name = "Ä😀Ω" }, token: await AdminTokenAsync());

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.False(response.Body.ContainsKey("errors"), response.ToString());
        Assert.Equal("utf-8", response.Charset);
    }

    [Theory]
    [InlineData(null)] // no Content-Type at all
    [InlineData("text/plain")]
    [InlineData("text/plain;charset=UTF-8")] // what fetch() sends for a string body
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("multipart/form-data; boundary=x")]
    [InlineData("application/graphql")]
    public async Task Post_with_another_content_type_is_415(string? contentType)
    {
        var response = await PostAsync("""{"query":"{ __typename }"}""", contentType: contentType);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.Status);
        Assert.Equal(GraphQLResponseJson, response.MediaType);
        Assert.False(response.HasData, response.ToString());
        Assert.Equal("BAD_USER_INPUT", response.ErrorCode);
    }

    [Theory]
    [InlineData("application/json; charset=iso-8859-1")]
    [InlineData("application/json; charset=utf-16")]
    [InlineData("application/json; charset=us-ascii")]
    public async Task Post_with_a_non_utf8_charset_is_415(string contentType)
    {
        var response = await PostAsync("""{"query":"{ __typename }"}""", contentType: contentType);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.Status);
        Assert.Contains("UTF-8", response.ErrorMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("PUT")]
    [InlineData("DELETE")]
    [InlineData("PATCH")]
    public async Task Other_methods_are_405_with_allow_header(string method)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), "/graphql")
        {
            Content = new StringContent("""{"query":"{ __typename }"}""", System.Text.Encoding.UTF8, Json),
        };
        var response = await SendAsync(request);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.Status);
        Assert.Equal(["GET", "POST"], AllowedMethods(response));
        Assert.False(response.HasData, response.ToString());
    }

    /// <summary>The methods an Allow header lists, sorted, so the order the server writes them in does not matter.</summary>
    protected static string[] AllowedMethods(RawResponse response) =>
        [.. (response.Header("Allow") ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal)];
}

// Transport only: one provider is enough (see TransportTests).
public sealed class MediaTypeTestsOnSqlite(SqliteApp app) : MediaTypeTests(app);
