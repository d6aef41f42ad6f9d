using System.Net;
using System.Text.RegularExpressions;
using PrivateNexus.Tests.Infrastructure;

namespace PrivateNexus.Tests.Transport;

/// <summary>The GraphiQL explorer at GET /graphql for browsers, with its assets served locally under a strict CSP.</summary>
public abstract partial class ExplorerTests(PnxApp app) : TransportTests(app)
{
    private const string BrowserAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

    [GeneratedRegex("""(?:src|href)="(/graphql-explorer/[^"]+)""")]
    private static partial Regex AssetReference();

    [Theory]
    [InlineData("text/html")]
    [InlineData(BrowserAccept)]
    public async Task Browser_gets_the_explorer_page(string accept)
    {
        var response = await GetAsync(new Dictionary<string, string>(), accept);

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal("text/html", response.MediaType);
        Assert.Equal("utf-8", response.Charset);
        AssertStrictCsp(response);
        Assert.Contains("/graphql-explorer/graphiql.min.js", response.Text, StringComparison.Ordinal);
        Assert.DoesNotMatch("(src|href)=\"(https?:)?//", response.Text); // nothing from a CDN
    }

    [Fact]
    public async Task Browser_with_a_query_string_gets_the_result_not_the_page()
    {
        var response = await GetAsync(new Dictionary<string, string> { ["query"] = "{ __typename }" }, BrowserAccept);

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal(GraphQLResponseJson, response.MediaType); // through */*
    }

    [Fact]
    public async Task Every_asset_of_the_page_is_served_locally_with_the_csp()
    {
        var page = await GetAsync(new Dictionary<string, string>(), "text/html");
        var assets = AssetReference().Matches(page.Text).Select(m => m.Groups[1].Value).Distinct().ToList();
        Assert.Contains("/graphql-explorer/graphiql.min.js", assets);
        Assert.Contains("/graphql-explorer/graphiql.min.css", assets);

        using var http = App.Http();
        foreach (var asset in assets)
        {
            using var response = await http.GetAsync(asset, Ct);
            var raw = await RawResponse.ReadAsync(response);

            Assert.True(HttpStatusCode.OK == raw.Status, $"{asset}: {(int)raw.Status}");
            AssertStrictCsp(raw);
            var expectedType = Path.GetExtension(asset) switch
            {
                ".js" => "text/javascript",
                ".css" => "text/css",
                ".svg" => "image/svg+xml",
                _ => raw.MediaType,
            };
            Assert.Equal(expectedType, raw.MediaType);
        }
    }

    private static void AssertStrictCsp(RawResponse response)
    {
        var csp = response.Header("Content-Security-Policy");
        Assert.NotNull(csp);
        Assert.Contains("default-src 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-eval", csp, StringComparison.Ordinal);
    }
}

// Transport only: one provider is enough (see TransportTests).
public sealed class ExplorerTestsOnSqlite(SqliteApp app) : ExplorerTests(app);
