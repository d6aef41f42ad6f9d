using System.Diagnostics;
using GraphQL;
using GraphQL.DI;
using GraphQLParser.AST;

namespace PrivateNexus.Server.Features.Metrics;

/// <summary>
/// Times every GraphQL execution — the HTTP endpoint and WebSocket operations both go through the
/// executer — by operation name, type and outcome. Runs after GraphQL.NET's option configurations
/// (100) and around the document cache (200), so cached, refused and failed documents are all counted.
/// </summary>
public sealed class GraphQLOperationMetrics(ServerMetrics metrics) : IConfigureExecution
{
    public float SortOrder => 150;

    public async Task<ExecutionResult> ExecuteAsync(ExecutionOptions options, ExecutionDelegate next)
    {
        var started = Stopwatch.GetTimestamp();
        ExecutionResult result;
        try
        {
            result = await next(options);
        }
        catch
        {
            metrics.GraphQLOperation(null, "unknown", "exception", Stopwatch.GetElapsedTime(started), mayAddName: false);
            throw;
        }

        // Only an executed operation's name is a real one (it parsed, validated, and was selected);
        // a document that never ran is counted under "invalid" so junk names cannot fill the label set.
        var name = result.Executed ? result.Operation?.Name?.StringValue ?? "" : ServerMetrics.Invalid;
        var type = result.Operation?.Operation switch
        {
            OperationType.Query => "query",
            OperationType.Mutation => "mutation",
            OperationType.Subscription => "subscription",
            _ => "unknown",
        };
        var outcome = result.Errors is { Count: > 0 } errors ? errors[0].Code ?? "ERROR" : "ok";

        // Anonymous callers may use names already seen but never add one: a stranger cannot use up the cap.
        var mayAddName = options.User?.Identity?.IsAuthenticated == true;
        metrics.GraphQLOperation(name, type, outcome, Stopwatch.GetElapsedTime(started), mayAddName);
        return result;
    }
}
