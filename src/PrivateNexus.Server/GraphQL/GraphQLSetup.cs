using GraphQL;
using GraphQL.Execution;
using GraphQL.Types;
using GraphQL.Validation.Complexity;
using GraphQLParser.AST;
using Microsoft.Extensions.Options;
using PrivateNexus.Server.Common;
using PrivateNexus.Server.GraphQL.Subscriptions;
using PrivateNexus.Server.GraphQL.WebSockets;
using PrivateNexus.Server.Hosting;

namespace PrivateNexus.Server.GraphQL;

public static class GraphQLSetup
{
    public static IServiceCollection AddPnxGraphQL(this IServiceCollection services)
    {
        services.AddScoped<BatchLoaders>();
        services.AddSingleton<GraphQLHttpEndpoint>();
        services.AddSingleton<GraphQLWebSocketEndpoint>();
        services.AddSingleton<WebSocketAuthenticator>();
        services.AddSingleton<ConnectionRegistry>();
        services.AddSingleton<EventStreams>();
        services.AddGraphQL(b => b
            .AddSchema<PnxSchema>()
            .AddGraphTypes(typeof(PnxSchema).Assembly)
            .AddSystemTextJson(o => o.Converters.Add(new ExecutionResultWriter()))
            .AddErrorInfoProvider<PnxErrorInfoProvider>()

            // Resolvers share the request's DbContext, which allows one operation at a time.
            .AddExecutionStrategy<CachingSerialExecutionStrategy>(OperationType.Query)
            .AddExecutionStrategy<ScopedSubscriptionExecutionStrategy>(OperationType.Subscription)

            // Not AddComplexityAnalyzer: its rule is skipped for cached documents, yet complexity depends
            // on each request's variables (first: $n), so it must run again for such documents.
            .AddValidationRule(sp => new ComplexityRule(ComplexityOptions(sp)), useForCachedDocuments: true)
            .AddValidationRule<QueryLimitRules>()
            .AddValidationRule<IntrospectionRule>(useForCachedDocuments: true)
            .AddValidationRule<HttpGetRule>(useForCachedDocuments: true)
            .AddValidationRule<SubscriptionTransportRule>(useForCachedDocuments: true)
            .ConfigureExecution<DocumentCache>()
            .AddUnhandledExceptionHandler(MapException));
        return services;
    }

    private static ComplexityOptions ComplexityOptions(IServiceProvider services)
    {
        var limits = services.GetRequiredService<IOptions<PnxOptions>>().Value.GraphQL;
        return new ComplexityOptions { MaxDepth = limits.MaxDepth, MaxComplexity = limits.MaxComplexity };
    }

    /// <summary>Domain refusals keep their message and code; anything else is logged and becomes INTERNAL.</summary>
    private static void MapException(UnhandledExceptionContext context)
    {
        if (context.OriginalException is DomainException domain)
        {
            context.Exception = new DomainExecutionError(domain);
            return;
        }

        // A caller that hung up is not a server failure: nothing to log, nobody to answer.
        if (context.OriginalException is OperationCanceledException && context.ExecutionOptions.CancellationToken.IsCancellationRequested)
        {
            context.Exception = new ExecutionError("The request was cancelled.", context.OriginalException) { Code = ErrorCode.Internal };
            return;
        }

        var logger = context.ExecutionOptions.RequestServices?.GetService<ILogger<PnxSchema>>();
        logger?.LogError(context.OriginalException, "Unhandled error in GraphQL field {Path}", context.FieldContext?.Path is { } path ? string.Join('.', path) : "(operation)");
        context.Exception = new ExecutionError(context.ErrorMessage ?? "An internal error occurred.", context.OriginalException) { Code = ErrorCode.Internal };
    }
}
