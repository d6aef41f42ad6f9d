using System.Net;
using System.Text;
using PrivateNexus.Tests.Infrastructure;

namespace PrivateNexus.Tests.Transport;

/// <summary>
/// Limits against abuse, at their defaults (Hosting/PnxOptions.cs, GraphQLLimits): request body
/// 100 KiB, depth 12, complexity 50 000, 30 aliases. Each test also shows that a request just
/// inside the limit passes, so a limit that refused everything would fail here too.
/// </summary>
public abstract class LimitTests(PnxApp app) : TransportTests(app)
{
    private const int MaxRequestBytes = 100 * 1024;
    private const int MaxAliases = 30;

    [Fact]
    public async Task Body_over_the_size_limit_is_413()
    {
        var inside = await PostAsync(BodyOfSize(MaxRequestBytes - 10));
        var over = await PostAsync(BodyOfSize(MaxRequestBytes + 1));

        Assert.Equal(HttpStatusCode.OK, inside.Status);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, over.Status);
        Assert.False(over.HasData, over.ToString());
    }

    [Fact]
    public async Task Chunked_body_over_the_size_limit_is_413_without_content_length()
    {
        // No Content-Length to check up front: the server has to count while it reads.
        using var inside = new HttpRequestMessage(HttpMethod.Post, "/graphql") { Content = new ChunkedJsonContent(BodyOfSize(MaxRequestBytes - 10)) };
        using var over = new HttpRequestMessage(HttpMethod.Post, "/graphql") { Content = new ChunkedJsonContent(BodyOfSize(4 * MaxRequestBytes)) };

        var insideResponse = await SendAsync(inside);
        var overResponse = await SendAsync(over);

        Assert.Equal(HttpStatusCode.OK, insideResponse.Status);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, overResponse.Status);
    }

    [Fact]
    public async Task Depth_limit_is_query_too_complex()
    {
        var shallow = await PostQueryAsync(NestedQuery(levels: 1));
        var deep = await PostQueryAsync(NestedQuery(levels: 4));

        // The shallow one passes validation and runs (anonymous, so it stops at "me").
        Assert.Equal("UNAUTHENTICATED", shallow.ErrorCode);
        AssertTooComplex(deep, "depth");
    }

    [Fact]
    public async Task Complexity_limit_is_query_too_complex()
    {
        var small = await PostQueryAsync(ServicesOfClients(pageSize: 5));
        var large = await PostQueryAsync(ServicesOfClients(pageSize: 100));

        Assert.Equal("UNAUTHENTICATED", small.ErrorCode);
        AssertTooComplex(large, "complex");
    }

    [Fact]
    public async Task Complexity_is_checked_against_the_variables_of_each_request_even_for_a_cached_document()
    {
        // Page sizes come from variables, so a document the cache keeps after a cheap request must
        // still be refused when the next request asks for large pages.
        var query = $"# {Unique("cache")}\nquery Q($n: Int) {{ clients(first: $n) {{ edges {{ node {{ "
            + "a: services(first: $n) { edges { node { id name image } } } "
            + "b: services(first: $n) { edges { node { id name image } } } } } } }";

        var cheap = await PostQueryAsync(query, new { n = 2 });
        var expensive = await PostQueryAsync(query, new { n = 100 });

        Assert.Equal("UNAUTHENTICATED", cheap.ErrorCode);
        AssertTooComplex(expensive, "complex");
    }

    [Fact]
    public async Task Alias_limit_is_query_too_complex()
    {
        var inside = await PostQueryAsync(Aliases(MaxAliases));
        var over = await PostQueryAsync(Aliases(MaxAliases + 1));

        Assert.Equal(HttpStatusCode.OK, inside.Status);
        AssertTooComplex(over, "aliases");
    }

    private static void AssertTooComplex(RawResponse response, string messagePart)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.False(response.HasData, response.ToString());
        Assert.Equal("QUERY_TOO_COMPLEX", response.ErrorCode);
        Assert.Contains(messagePart, response.ErrorMessage, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>A valid request of exactly <paramref name="bytes"/> bytes: a tiny query padded with a comment.</summary>
    private static string BodyOfSize(int bytes)
    {
        const string head = """{"query":"{ __typename } #""";
        const string tail = "\"}";
        return head + new string('x', bytes - head.Length - tail.Length) + tail;
    }

    /// <summary><c>me { memberships { client { members { user { memberships … } } } } }</c>: four levels per repetition.</summary>
    private static string NestedQuery(int levels)
    {
        var open = string.Concat(Enumerable.Repeat("memberships { client { members { user { ", levels));
        var close = string.Concat(Enumerable.Repeat("} } } } ", levels));
        return $"{{ me {{ {open}id {close}}} }}";
    }

    private static string ServicesOfClients(int pageSize) =>
        $"{{ clients(first: {pageSize}) {{ edges {{ node {{ services(first: {pageSize}) {{ edges {{ node {{ id name image desiredState revision }} }} }} }} }} }} }}";

    private static string Aliases(int count) =>
        "{ " + string.Join(' ', Enumerable.Range(0, count).Select(i => $"a{i}: __typename")) + " }";

    /// <summary>A JSON body sent with Transfer-Encoding: chunked (its length is not known up front).</summary>
    private sealed class ChunkedJsonContent : HttpContent
    {
        private readonly byte[] _bytes;

        public ChunkedJsonContent(string json)
        {
            _bytes = Encoding.UTF8.GetBytes(json);
            Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(Json);
        }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            for (var offset = 0; offset < _bytes.Length; offset += 8192)
            {
                await stream.WriteAsync(_bytes.AsMemory(offset, Math.Min(8192, _bytes.Length - offset)));
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}

// Transport only: one provider is enough (see TransportTests).
public sealed class LimitTestsOnSqlite(SqliteApp app) : LimitTests(app);
