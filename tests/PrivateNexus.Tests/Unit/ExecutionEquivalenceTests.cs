using GraphQL;
using GraphQL.DataLoader;
using GraphQL.Execution;
using GraphQL.SystemTextJson;
using GraphQL.Types;
using GraphQL.Validation;
using GraphQLParser.AST;
using PrivateNexus.Server.GraphQL;

namespace PrivateNexus.Tests.Unit;

/// <summary>
/// PrivateNexus's execution strategy (fields collected once, scalars resolved in line) and result
/// writer answer byte for byte what GraphQL.NET's serial strategy and converter answer — for every
/// kind of scalar, nulls, lists, aliases, fragments, directives, data loaders, asynchronous resolvers
/// and each way a field can fail.
/// </summary>
public sealed class ExecutionEquivalenceTests
{
    public static TheoryData<string> Queries => new()
    {
        "{ items { name count big flag ratio price at id missing kind tags } }",
        "{ items { slow loaded fails } }",
        "{ items { name crashes } }",
        "{ items { required } }",
        "{ item { name required } }",
        "{ first: item { ... on Item { name n: count } } second: item { ...Names } } fragment Names on Item { name \"escaped \\\" name\": name }",
        "query Q($show: Boolean!) { items { name count @include(if: $show) flag @skip(if: $show) } }",
        "{ items { name } __typename alsoFails }",
        "{ items { name odd: name \u00e9t\u00e9: count } }",
        "{ item { canceledHere } }",
    };

    [Theory]
    [MemberData(nameof(Queries))]
    public async Task Answers_what_GraphQL_NET_answers(string query)
    {
        var schema = new TestSchema();
        var expected = await RunAsync(schema, query, SerialExecutionStrategy.Instance, new GraphQLSerializer());
        var actual = await RunAsync(schema, query, new CachingSerialExecutionStrategy(), new GraphQLSerializer(o => o.Converters.Add(new ExecutionResultWriter())));

        Assert.Equal(expected, actual);
    }

    [Fact]
    public async Task Writes_what_GraphQL_NET_writes_for_results_with_extensions_and_without_data()
    {
        var result = new ExecutionResult
        {
            Executed = false,
            Errors = [new ExecutionError("refused") { Code = "NOPE" }],
            Extensions = new() { ["cost"] = 12, ["note"] = "<b>\u2028" },
        };

        Assert.Equal(new GraphQLSerializer().Serialize(result), new GraphQLSerializer(o => o.Converters.Add(new ExecutionResultWriter())).Serialize(result));
    }

    private static async Task<string> RunAsync(ISchema schema, string query, IExecutionStrategy strategy, GraphQLSerializer serializer)
    {
        var executer = new DocumentExecuter(
            new GraphQLDocumentBuilder(),
            new DocumentValidator(),
            new DefaultExecutionStrategySelector([new ExecutionStrategyRegistration(strategy, OperationType.Query)]),
            []);
        var result = await executer.ExecuteAsync(new ExecutionOptions
        {
            Schema = schema,
            Query = query,
            Variables = new Inputs(new Dictionary<string, object?> { ["show"] = true }),
            ThrowOnUnhandledException = false,
            RequestServices = null,
        });

        // The same result twice: the writer keeps encoded names between results.
        Assert.Equal(serializer.Serialize(result), serializer.Serialize(result));
        return serializer.Serialize(result);
    }

    private enum Kind
    {
        Alpha,
        BetaGamma,
    }

    private sealed record Item(string Name, int Count, long Big, bool Flag, double Ratio, decimal Price, DateTimeOffset At, Guid Id, string? Missing, Kind Kind, List<string> Tags);

    private static readonly Item[] Items =
    [
        new("plain", 1, 1L << 40, true, 0.1, 12.50m, new DateTimeOffset(2026, 11, 29, 10, 0, 0, TimeSpan.FromHours(1)), Guid.Parse("0194a0c4-2f43-7a10-9d0a-3b1c2d4e5f60"), null, Kind.Alpha, ["a", "b"]),
        new("\u00fcn\u00efc\u00f8de \"quoted\" <tag> \\ \n \u2028 \U0001F600", -7, long.MinValue, false, double.MaxValue, -0.0001m, DateTimeOffset.MinValue, Guid.Empty, "here", Kind.BetaGamma, []),
    ];

    private sealed class ItemType : ObjectGraphType<Item>
    {
        public ItemType()
        {
            Name = "Item";
            Field(i => i.Name);
            Field(i => i.Count);
            Field<LongGraphType>("big").Resolve(c => c.Source.Big);
            Field(i => i.Flag);
            Field(i => i.Ratio);
            Field(i => i.Price);
            Field(i => i.At);
            Field(i => i.Id, type: typeof(NonNullGraphType<IdGraphType>));
            Field(i => i.Missing, nullable: true);
            Field<EnumerationGraphType<Kind>>("kind").Resolve(c => c.Source.Kind);
            Field<ListGraphType<StringGraphType>>("tags").Resolve(c => c.Source.Tags);
            Field<StringGraphType>("slow").ResolveAsync(async c =>
            {
                await Task.Yield();
                return c.Source.Name.Length.ToString(System.Globalization.CultureInfo.InvariantCulture);
            });
            Field<IntGraphType>("loaded").Resolve(c => new Loaded(c.Source.Count * 2));
            Field<StringGraphType>("fails").Resolve(c => c.Source.Flag ? throw new ExecutionError("refused here") { Code = "REFUSED" } : "fine");
            Field<StringGraphType>("crashes").Resolve(c => c.Source.Flag ? throw new InvalidOperationException("boom") : "fine");
            Field<NonNullGraphType<StringGraphType>>("required").Resolve(c => c.Source.Missing);
            Field<StringGraphType>("canceledHere").Resolve(_ => throw new OperationCanceledException("not the request's"));
        }
    }

    /// <summary>A data loader's answer, ready once asked (how GraphQL.NET's loaders hand back a batch).</summary>
    private sealed class Loaded(int value) : IDataLoaderResult
    {
        public Task<object?> GetResultAsync(CancellationToken cancellationToken = default) => Task.FromResult<object?>(value);
    }

    private sealed class QueryType : ObjectGraphType
    {
        public QueryType()
        {
            Name = "Query";
            Field<ListGraphType<ItemType>>("items").Resolve(_ => Items);
            Field<ItemType>("item").Resolve(_ => Items[0]);
            Field<StringGraphType>("alsoFails").Resolve(_ => throw new ExecutionError("top-level refusal"));
        }
    }

    private sealed class TestSchema : Schema
    {
        public TestSchema() => Query = new QueryType();
    }
}
