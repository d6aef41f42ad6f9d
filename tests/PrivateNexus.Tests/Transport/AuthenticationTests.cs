using System.Net;
using PrivateNexus.Tests.Infrastructure;

namespace PrivateNexus.Tests.Transport;

/// <summary>
/// What the transport does with the caller's credentials: refused tokens, introspection and the SDL
/// for authenticated callers only, error codes, and the document cache never carrying one caller's
/// permission over to another.
/// </summary>
public abstract class AuthenticationTests(PnxApp app) : TransportTests(app)
{
    private const string IntrospectionQuery = "{ __schema { queryType { name } } }";

    [Fact]
    public async Task Introspection_is_refused_to_anonymous_callers()
    {
        var schema = await PostQueryAsync(IntrospectionQuery);
        var type = await PostQueryAsync("""{ __type(name: "Query") { name } }""");

        foreach (var response in new[] { schema, type })
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.Status);
            Assert.False(response.HasData, response.ToString());
            Assert.Equal("UNAUTHENTICATED", response.ErrorCode);
        }
    }

    [Fact]
    public async Task Introspection_is_allowed_with_a_token()
    {
        var response = await PostQueryAsync(IntrospectionQuery, token: await AdminTokenAsync());

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal("Query", response.Data?["__schema"]?["queryType"]?["name"]?.GetValue<string>());
    }

    [Fact]
    public async Task Typename_is_not_introspection_and_needs_no_token()
    {
        var response = await PostQueryAsync("{ __typename }");

        Assert.Equal(HttpStatusCode.OK, response.Status);
    }

    [Fact]
    public async Task Document_cache_does_not_carry_a_callers_permission_to_the_next_caller()
    {
        // The cache keys parsed and validated documents by their text. A document validated for an
        // authenticated caller must still be refused to an anonymous one, and the refusal must not
        // spoil it for the next authenticated caller either.
        var query = $"# {Unique("cache")}\n{IntrospectionQuery}";
        var token = await AdminTokenAsync();

        var first = await PostQueryAsync(query, token: token);
        var anonymous = await PostQueryAsync(query);
        var anonymousOverGet = await GetAsync(new Dictionary<string, string> { ["query"] = query });
        var again = await PostQueryAsync(query, token: token);

        Assert.Equal(HttpStatusCode.OK, first.Status);
        Assert.Equal("UNAUTHENTICATED", anonymous.ErrorCode);
        Assert.False(anonymous.HasData, anonymous.ToString());
        Assert.Equal("UNAUTHENTICATED", anonymousOverGet.ErrorCode);
        Assert.Equal(HttpStatusCode.OK, again.Status);
        Assert.Equal("Query", again.Data?["__schema"]?["queryType"]?["name"]?.GetValue<string>());
    }

    [Fact]
    public async Task Document_cache_does_not_let_a_mutation_through_get()
    {
        // The mutation runs once over POST (and so is cached); the same text over GET is still 405.
        var mutation = $"# {Unique("cache")}\nmutation {{ deleteClient(id: \"{Guid.NewGuid()}\") }}";

        var posted = await PostQueryAsync(mutation);
        var overGet = await GetAsync(new Dictionary<string, string> { ["query"] = mutation });

        Assert.Equal(HttpStatusCode.OK, posted.Status); // executed: UNAUTHENTICATED is a field error
        Assert.Equal("UNAUTHENTICATED", posted.ErrorCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, overGet.Status);
        Assert.False(overGet.HasData, overGet.ToString());
    }

    [Fact]
    public async Task Schema_sdl_needs_a_token()
    {
        using var http = App.Http();
        using var anonymous = await http.GetAsync("/graphql/schema.graphql", Ct);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/graphql/schema.graphql");
        request.Headers.Authorization = new("Bearer", await AdminTokenAsync());
        using var authenticated = await http.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Contains(anonymous.Headers.WwwAuthenticate, h => h.Scheme == "Bearer");
        Assert.DoesNotContain("type Query", await anonymous.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.OK, authenticated.StatusCode);
        Assert.Equal("text/plain", authenticated.Content.Headers.ContentType?.MediaType);
        Assert.Contains("type Query {", await authenticated.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not-a-jwt")]
    [InlineData("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl")] // well-formed JWT, signed by no one we know
    [InlineData("pnx_0000000000000000000000000000000000000000")] // personal API token shape, never issued
    public async Task Invalid_bearer_token_is_401_with_www_authenticate(string token)
    {
        var post = await PostQueryAsync("{ __typename }", token: token);
        var get = await GetAsync(new Dictionary<string, string> { ["query"] = "{ __typename }" }, Json, token);

        foreach (var response in new[] { post, get })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.Status);
            Assert.Equal("Bearer error=\"invalid_token\"", response.Header("WWW-Authenticate"));
            Assert.Equal("UNAUTHENTICATED", response.ErrorCode);
            Assert.False(response.HasData, response.ToString());
        }

        Assert.Equal(GraphQLResponseJson, post.MediaType);
        Assert.Equal(Json, get.MediaType);
    }

    [Fact]
    public async Task Tampered_token_is_401()
    {
        // A real token of ours with its payload changed: the signature no longer matches.
        var parts = (await AdminTokenAsync()).Split('.');
        var payload = parts[1].ToCharArray();
        payload[payload.Length / 2] = payload[payload.Length / 2] == 'A' ? 'B' : 'A';
        var tampered = $"{parts[0]}.{new string(payload)}.{parts[2]}";

        var response = await PostQueryAsync("{ me { id } }", token: tampered);

        Assert.Equal(HttpStatusCode.Unauthorized, response.Status);
        Assert.Equal("UNAUTHENTICATED", response.ErrorCode);
    }

    [Fact]
    public async Task Credentials_of_another_scheme_are_401_naming_bearer()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/graphql")
        {
            Content = new StringContent("""{"query":"{ __typename }"}""", System.Text.Encoding.UTF8, Json),
        };
        request.Headers.TryAddWithoutValidation("Authorization", "Basic YWRtaW46YWRtaW4=");
        var response = await SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.Status);
        Assert.Equal("Bearer", response.Header("WWW-Authenticate"));
        Assert.Equal("UNAUTHENTICATED", response.ErrorCode);
    }

    [Fact]
    public async Task Errors_carry_their_codes()
    {
        var admin = await App.AdminAsync();
        var email = $"{Unique("plain")}@example.test";
        const string password = "plain-password-123";
        await admin.DataAsync(
            "mutation($input: CreateUserInput!) { createUser(input: $input) { user { id } } }",
            new { input = new { email, password, displayName = "Plain user" } });
        var plain = await App.SignedInAsync(email, password);

        var unauthenticated = await PostQueryAsync("{ me { id } }");
        var notFound = await PostQueryAsync($$"""{ client(id: "{{Guid.NewGuid()}}") { id } }""", token: admin.Token);
        var forbidden = await PostQueryAsync("{ users { edges { node { id } } } }", token: plain.Token);
        var badInput = await PostQueryAsync(
            "mutation($input: CreateClientInput!) { createClient(input: $input) { id } }",
            new { input = new { name = "Bad slug", slug = "Not A Slug!" } },
            token: admin.Token);

        Assert.Equal("UNAUTHENTICATED", unauthenticated.ErrorCode);
        Assert.Equal("NOT_FOUND", notFound.ErrorCode);
        Assert.Equal("FORBIDDEN", forbidden.ErrorCode);
        Assert.Equal("BAD_USER_INPUT", badInput.ErrorCode);
        Assert.Equal("slug", badInput.ErrorField);

        // Refusals happen during execution: 200 with the error in the body, whatever the media type.
        Assert.All([unauthenticated, notFound, forbidden, badInput], r => Assert.Equal(HttpStatusCode.OK, r.Status));
    }
}

// Transport only: one provider is enough (see TransportTests).
public sealed class AuthenticationTestsOnSqlite(SqliteApp app) : AuthenticationTests(app);
