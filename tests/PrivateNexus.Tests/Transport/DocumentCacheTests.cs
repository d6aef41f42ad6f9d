using GraphQL;
using GraphQL.DI;
using GraphQL.Validation;
using GraphQLParser;
using GraphQLParser.AST;
using Microsoft.Extensions.Options;
using PrivateNexus.Server.GraphQL;
using PrivateNexus.Server.Hosting;

namespace PrivateNexus.Tests.Transport;

/// <summary>
/// The parsed-document cache on its own (no server): over HTTP a working cache and a cache that never
/// keeps anything answer the same, so only this shows that repeated queries really skip parsing.
/// </summary>
public sealed class DocumentCacheTests
{
    private const string Query = "{ __typename }";

    [Fact]
    public async Task Repeated_query_reuses_the_parsed_document_with_only_the_per_request_rules()
    {
        using var cache = new DocumentCache(Options.Create(new PnxOptions()));
        var parsed = Parser.Parse(Query);
        var perRequestRules = new IValidationRule[] { new HttpGetRule() };
        var seen = new List<ExecutionOptions>();

        await cache.ExecuteAsync(Request(perRequestRules), Executer(seen, parsed, executed: true));
        await cache.ExecuteAsync(Request(perRequestRules), Executer(seen, parsed, executed: true));

        Assert.Null(seen[0].Document); // first time: the executer parses
        Assert.Same(parsed, seen[1].Document); // then: the cached document
        Assert.Equal(perRequestRules, seen[1].ValidationRules);
    }

    [Fact]
    public async Task Document_that_did_not_execute_is_not_cached()
    {
        // Not executed = refused by validation (maybe only for this caller): never reuse it.
        using var cache = new DocumentCache(Options.Create(new PnxOptions()));
        var parsed = Parser.Parse(Query);
        var seen = new List<ExecutionOptions>();

        await cache.ExecuteAsync(Request([]), Executer(seen, parsed, executed: false));
        await cache.ExecuteAsync(Request([]), Executer(seen, parsed, executed: true));

        Assert.Null(seen[1].Document);
    }

    private static ExecutionOptions Request(IValidationRule[] cachedDocumentRules) =>
        new() { Query = Query, CachedDocumentValidationRules = cachedDocumentRules };

    /// <summary>Stands in for the document executer: records what it was given, returns the parsed document as the real one does.</summary>
    private static ExecutionDelegate Executer(List<ExecutionOptions> seen, GraphQLDocument parsed, bool executed) => options =>
    {
        seen.Add(new ExecutionOptions { Document = options.Document, ValidationRules = options.ValidationRules });
        return Task.FromResult(new ExecutionResult { Executed = executed, Document = parsed });
    };
}
