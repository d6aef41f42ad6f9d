using System.Net;
using PrivateNexus.Tests.Infrastructure;

namespace PrivateNexus.Tests.Transport;

/// <summary>
/// The request parameters (query, operationName, variables, extensions) over POST and GET, what a
/// malformed request gets, and the status-code split between the two response media types.
/// </summary>
public abstract class RequestParameterTests(PnxApp app) : TransportTests(app)
{
    private const string TwoQueries = "query A { a: __typename } query B($x: Boolean!) { b: __typename @include(if: $x) }";

    [Fact]
    public async Task Get_runs_a_query_from_the_query_string()
    {
        var response = await GetAsync(new Dictionary<string, string> { ["query"] = "{ __typename }" });

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal(GraphQLResponseJson, response.MediaType);
        Assert.Equal("Query", response.Data?["__typename"]?.GetValue<string>());
    }

    [Fact]
    public async Task Get_takes_variables_and_operation_name_from_the_query_string()
    {
        var response = await GetAsync(new Dictionary<string, string>
        {
            ["query"] = TwoQueries,
            ["operationName"] = "B",
            ["variables"] = """{"x":true}""",
            ["extensions"] = """{"some":"value"}""",
        });

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal("""{"b":"Query"}""", response.Data?.ToJsonString());
    }

    [Theory]
    [InlineData(GraphQLResponseJson)]
    [InlineData(Json)] // 405 whatever the media type: the spec's MUST for mutations over GET
    public async Task Get_with_a_mutation_is_405_and_not_executed(string accept)
    {
        var response = await GetAsync(new Dictionary<string, string> { ["query"] = "mutation { __typename }" }, accept);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.Status);
        Assert.Contains("POST", response.Header("Allow") ?? "", StringComparison.Ordinal);
        Assert.False(response.HasData, response.ToString());
    }

    [Fact]
    public async Task Get_decides_by_the_operation_that_operation_name_selects()
    {
        const string document = "query Q { __typename } mutation M { __typename }";

        var query = await GetAsync(new Dictionary<string, string> { ["query"] = document, ["operationName"] = "Q" });
        var mutation = await GetAsync(new Dictionary<string, string> { ["query"] = document, ["operationName"] = "M" });

        Assert.Equal(HttpStatusCode.OK, query.Status);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, mutation.Status);
    }

    [Theory]
    [InlineData(GraphQLResponseJson)]
    [InlineData(Json)]
    public async Task Get_without_query_is_400(string accept)
    {
        var response = await GetAsync(new Dictionary<string, string> { ["operationName"] = "A" }, accept);

        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal(accept, response.MediaType);
        Assert.Contains("'query'", response.ErrorMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("variables", "[1]")]
    [InlineData("variables", "\"x\"")]
    [InlineData("variables", "{not json")]
    [InlineData("extensions", "7")]
    [InlineData("extensions", "{not json")]
    public async Task Get_with_variables_or_extensions_that_are_not_a_json_map_is_400(string parameter, string value)
    {
        var response = await GetAsync(new Dictionary<string, string> { ["query"] = "{ __typename }", [parameter] = value });

        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Contains($"'{parameter}'", response.ErrorMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"notquery":"{ __typename }"}""")]
    [InlineData("""{"query":null}""")]
    [InlineData("""{}""")]
    public async Task Post_without_query_is_400(string body)
    {
        var response = await PostAsync(body);

        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.False(response.HasData, response.ToString());
        Assert.Contains("'query'", response.ErrorMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"query":7}""")]
    [InlineData("""{"query":false}""")]
    [InlineData("""{"query":{"obj":"ect"}}""")]
    [InlineData("""{"query":["{ __typename }"]}""")]
    [InlineData("""{"query":"{ __typename }","operationName":7}""")]
    [InlineData("""{"query":"{ __typename }","operationName":{"obj":"ect"}}""")]
    public async Task Post_with_query_or_operation_name_of_the_wrong_json_type_is_400(string body)
    {
        var response = await PostAsync(body);

        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Contains("must be a string", response.ErrorMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("variables", "\"string\"")]
    [InlineData("variables", "0")]
    [InlineData("variables", "false")]
    [InlineData("variables", "[\"array\"]")]
    [InlineData("extensions", "\"string\"")]
    [InlineData("extensions", "0")]
    [InlineData("extensions", "[\"array\"]")]
    public async Task Post_with_variables_or_extensions_not_a_map_is_400(string parameter, string json)
    {
        var response = await PostAsync($$"""{"query":"{ __typename }","{{parameter}}":{{json}}}""");

        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Contains($"'{parameter}' parameter must be a map", response.ErrorMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("variables")]
    [InlineData("operationName")]
    [InlineData("extensions")]
    public async Task Null_optional_parameters_are_the_same_as_absent(string parameter)
    {
        var response = await PostAsync($$"""{"query":"{ __typename }","{{parameter}}":null}""");

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.False(response.Body.ContainsKey("errors"), response.ToString());
    }

    [Theory]
    [InlineData(GraphQLResponseJson)]
    [InlineData(Json)] // a request that is not well-formed is 400 even for legacy clients (the spec's SHOULD)
    public async Task Invalid_json_is_400(string accept)
    {
        foreach (var body in new[] { """{ "not a JSON""", "NONSENSE", """{"query":""", "" })
        {
            var response = await PostAsync(body, accept);

            Assert.True(HttpStatusCode.BadRequest == response.Status, $"Body <{body}>: {response}");
            Assert.Equal(accept, response.MediaType);
            Assert.Equal("BAD_USER_INPUT", response.ErrorCode);
        }
    }

    [Fact]
    public async Task Batched_request_is_400_with_a_clear_message()
    {
        var response = await PostAsync("""[{"query":"{ __typename }"},{"query":"{ __typename }"}]""");

        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.False(response.HasData, response.ToString());
        Assert.Contains("Batched requests are not supported", response.ErrorMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"{ __typename }\"")]
    [InlineData("42")]
    [InlineData("null")]
    public async Task Body_that_is_not_a_json_object_is_400(string body)
    {
        var response = await PostAsync(body);

        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Contains("JSON object", response.ErrorMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(GraphQLResponseJson, HttpStatusCode.BadRequest)]
    [InlineData(Json, HttpStatusCode.OK)] // legacy clients expect 200 for anything well-formed
    public async Task Parse_error_status_depends_on_the_media_type(string accept, HttpStatusCode expected)
    {
        var response = await PostQueryAsync("{", accept: accept);

        Assert.Equal(expected, response.Status);
        Assert.Equal(accept, response.MediaType);
        Assert.False(response.HasData, response.ToString()); // never executed: no "data" entry at all
        Assert.Equal("GRAPHQL_PARSE_FAILED", response.ErrorCode);
    }

    [Theory]
    [InlineData(GraphQLResponseJson, HttpStatusCode.BadRequest)]
    [InlineData(Json, HttpStatusCode.OK)]
    public async Task Validation_error_status_depends_on_the_media_type(string accept, HttpStatusCode expected)
    {
        var response = await PostQueryAsync("{ noSuchField }", accept: accept);

        Assert.Equal(expected, response.Status);
        Assert.False(response.HasData, response.ToString());
        Assert.Equal("GRAPHQL_VALIDATION_FAILED", response.ErrorCode);
    }

    [Theory]
    [InlineData(GraphQLResponseJson, HttpStatusCode.BadRequest)]
    [InlineData(Json, HttpStatusCode.OK)]
    public async Task Variable_coercion_failure_is_bad_user_input_naming_the_variable(string accept, HttpStatusCode expected)
    {
        var wrongType = await PostQueryAsync("query Q($id: ID!) { client(id: $id) { id } }", new { id = new { nested = 1 } }, accept: accept);
        var missing = await PostQueryAsync("query Q($id: ID!) { client(id: $id) { id } }", accept: accept);

        foreach (var response in new[] { wrongType, missing })
        {
            Assert.Equal(expected, response.Status);
            Assert.False(response.HasData, response.ToString());
            Assert.Equal("BAD_USER_INPUT", response.ErrorCode);
            Assert.Equal("$id", response.ErrorField);
        }
    }

    [Fact]
    public async Task Variables_are_coerced_for_every_request_even_for_a_cached_document()
    {
        // The first request runs (so the cache keeps the document); the next one's variables are
        // still checked against it.
        var query = $"# {Unique("cache")}\nquery Q($x: Boolean!) {{ __typename @include(if: $x) }}";

        var valid = await PostQueryAsync(query, new { x = true });
        var invalid = await PostQueryAsync(query, new { x = "yes" });
        var missing = await PostQueryAsync(query);

        Assert.Equal(HttpStatusCode.OK, valid.Status);
        foreach (var response in new[] { invalid, missing })
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.Status);
            Assert.Equal("BAD_USER_INPUT", response.ErrorCode);
            Assert.Equal("$x", response.ErrorField);
        }
    }

    [Fact]
    public async Task Field_error_during_execution_is_200_with_null_data()
    {
        // Executed with a field error: "data" is present (null), so the spec asks for 2xx even with
        // graphql-response+json; the error is in the body.
        var response = await PostQueryAsync("{ me { id } }");

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.True(response.HasData, response.ToString());
        Assert.Null(response.Data);
        Assert.Equal("UNAUTHENTICATED", response.ErrorCode);
    }

    [Fact]
    public async Task Operation_name_selects_among_several_operations()
    {
        var a = await PostQueryAsync(TwoQueries, operationName: "A");
        var b = await PostQueryAsync(TwoQueries, new { x = true }, operationName: "B");

        Assert.Equal("""{"a":"Query"}""", a.Data?.ToJsonString());
        Assert.Equal("""{"b":"Query"}""", b.Data?.ToJsonString());
    }

    [Theory]
    [InlineData("C")] // names no operation of the document
    [InlineData(null)] // several operations and no name: none can be chosen
    public async Task Operation_name_that_selects_nothing_is_a_request_error(string? operationName)
    {
        var response = await PostQueryAsync(TwoQueries, operationName: operationName);

        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.False(response.HasData, response.ToString());
        Assert.Equal("BAD_USER_INPUT", response.ErrorCode);
        Assert.Equal("operationName", response.ErrorField);
        Assert.DoesNotContain("internal", response.ErrorMessage, StringComparison.OrdinalIgnoreCase);
    }
}

// Transport only: one provider is enough (see TransportTests).
public sealed class RequestParameterTestsOnSqlite(SqliteApp app) : RequestParameterTests(app);
