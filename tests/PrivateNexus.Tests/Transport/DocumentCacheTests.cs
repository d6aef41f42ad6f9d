using GraphQL;
using GraphQL.DI;
using GraphQL.Validation;
using GraphQL.Validation.Complexity;
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
        var perRequestRules = new IValidationRule[] { new QueryLimitRules(Options.Create(new PnxOptions())) };
        var seen = new List<ExecutionOptions>();

        await cache.ExecuteAsync(Request(perRequestRules), Executer(seen, parsed, executed: true));
        await cache.ExecuteAsync(Request(perRequestRules), Executer(seen, parsed, executed: true));

        Assert.Null(seen[0].Document); // first time: the executer parses
        Assert.Same(parsed, seen[1].Document); // then: the cached document
        Assert.Equal(perRequestRules, seen[1].ValidationRules);
    }

    [Theory]
    [InlineData("{ __typename }", false)]
    [InlineData("query Q($n: Int) { services(first: $n) { totalCount } }", true)] // cost depends on $n
    [InlineData("query A { __typename } query B { services { totalCount } }", true)] // which one runs is per request
    public async Task Complexity_is_checked_again_only_when_a_request_can_change_it(string query, bool checkedAgain)
    {
        var complexity = new ComplexityRule(new ComplexityOptions { MaxDepth = 12, MaxComplexity = 50_000 });
        var rules = await CachedRequestRules(query, new ExecutionOptions { Query = query, CachedDocumentValidationRules = [complexity] });

        Assert.Equal(checkedAgain, rules.Contains(complexity));
    }

    [Fact]
    public async Task Transport_rules_apply_to_cached_documents_only_for_the_operations_they_refuse()
    {
        var subscriptionOverHttp = new SubscriptionTransportRule();
        var mutationOverGet = new HttpGetRule();
        ExecutionOptions Get(string query) => new()
        {
            Query = query,
            CachedDocumentValidationRules = [subscriptionOverHttp, mutationOverGet],
            UserContext = new Dictionary<string, object?> { [HttpGetRule.MethodKey] = "GET" },
        };

        Assert.Empty(await CachedRequestRules("{ __typename }", Get("{ __typename }")));
        Assert.Equal([subscriptionOverHttp, mutationOverGet], await CachedRequestRules("subscription { auditEventAdded { id } }", Get("subscription { auditEventAdded { id } }")));
        Assert.Equal([mutationOverGet], await CachedRequestRules("mutation { __typename }", Get("mutation { __typename }")));
    }

    [Fact]
    public async Task Introspection_rule_applies_to_cached_documents_of_anonymous_callers_only()
    {
        var introspection = new IntrospectionRule(Options.Create(new PnxOptions()));
        var anonymous = new ExecutionOptions { Query = Query, CachedDocumentValidationRules = [introspection] };
        var signedIn = new ExecutionOptions
        {
            Query = Query,
            CachedDocumentValidationRules = [introspection],
            User = new System.Security.Claims.ClaimsPrincipal(new System.Security.Claims.ClaimsIdentity([], "Bearer")),
        };

        Assert.Equal([introspection], await CachedRequestRules(Query, anonymous));
        Assert.Empty(await CachedRequestRules(Query, signedIn));
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

    /// <summary>The rules the executer is handed for <paramref name="request"/> once its document is cached.</summary>
    private static async Task<IValidationRule[]> CachedRequestRules(string query, ExecutionOptions request)
    {
        using var cache = new DocumentCache(Options.Create(new PnxOptions()));
        var seen = new List<ExecutionOptions>();
        await cache.ExecuteAsync(new ExecutionOptions { Query = query }, Executer(seen, Parser.Parse(query), executed: true));
        await cache.ExecuteAsync(request, Executer(seen, Parser.Parse(query), executed: true));
        Assert.NotNull(seen[1].Document);
        return [.. seen[1].ValidationRules!];
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
