using GraphQL;
using GraphQL.Validation;
using GraphQL.Validation.Complexity;
using GraphQL.Validation.Rules.Custom;
using GraphQLParser.AST;
using Microsoft.Extensions.Options;
using PrivateNexus.Server.Hosting;

namespace PrivateNexus.Server.GraphQL;

/// <summary>
/// A rule that runs again for every request of a cached document and can tell from the request and
/// the document's operations alone — without walking the document — that it has nothing to check.
/// GraphQL.NET walks the whole document once if any rule is in the list, so leaving out the rules
/// that do not apply spares that walk for the common request (<see cref="DocumentCache"/>).
/// </summary>
public interface ICachedDocumentRule
{
    bool AppliesTo(ExecutionOptions request, GraphQLDocument document);
}

/// <summary>
/// Depth and complexity, for every request of a document whose cost can differ between requests:
/// one with variables (<c>first: $n</c>) or several operations (which one runs is per request).
/// Any other document costs the same every time and was measured when it was first validated.
/// </summary>
public sealed class ComplexityRule(ComplexityOptions options) : ComplexityValidationRule(options), ICachedDocumentRule
{
    public bool AppliesTo(ExecutionOptions request, GraphQLDocument document)
    {
        var operations = 0;
        foreach (var definition in document.Definitions)
        {
            if (definition is GraphQLOperationDefinition operation && (++operations > 1 || operation.Variables is { Count: > 0 }))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>Introspection (<c>__schema</c>, <c>__type</c>) only for authenticated callers, unless configured open.</summary>
public sealed class IntrospectionRule(IOptions<PnxOptions> options) : ValidationRuleBase, ICachedDocumentRule
{
    public const string Code = "INTROSPECTION_REQUIRES_AUTH";

    public bool AppliesTo(ExecutionOptions request, GraphQLDocument document) =>
        !(options.Value.AnonymousIntrospection || request.User?.Identity?.IsAuthenticated == true);

    public override ValueTask<INodeVisitor?> GetPreNodeVisitorAsync(ValidationContext context)
    {
        if (options.Value.AnonymousIntrospection || context.User?.Identity?.IsAuthenticated == true)
        {
            return default;
        }

        return new(new MatchingNodeVisitor<GraphQLField>((field, ctx) =>
        {
            if (field.Name == "__schema" || field.Name == "__type")
            {
                ctx.ReportError(new ValidationError(ctx.Document.Source, null, "Introspection requires authentication.", field) { Code = Code });
            }
        }));
    }
}

/// <summary>Limits that depth/complexity analysis does not cover: aliases (a cheap amplification vector).</summary>
public sealed class QueryLimitRules(IOptions<PnxOptions> options) : ValidationRuleBase
{
    public const string Code = "QUERY_TOO_COMPLEX";

    public override ValueTask<INodeVisitor?> GetPreNodeVisitorAsync(ValidationContext context)
    {
        var max = options.Value.GraphQL.MaxAliases;
        var aliases = 0;
        return new(new MatchingNodeVisitor<GraphQLField>((field, ctx) =>
        {
            if (field.Alias is not null && ++aliases == max + 1)
            {
                ctx.ReportError(new ValidationError(ctx.Document.Source, null, $"The query uses more than {max} aliases.", field) { Code = Code });
            }
        }));
    }
}

/// <summary>GET may only run queries (GraphQL over HTTP); the transport turns this error into 405.</summary>
public sealed class HttpGetRule : ValidationRuleBase, ICachedDocumentRule
{
    public const string Code = "HTTP_METHOD_NOT_ALLOWED";
    public const string MethodKey = "http.method";

    public bool AppliesTo(ExecutionOptions request, GraphQLDocument document) =>
        request.UserContext.TryGetValue(MethodKey, out var method) && Equals(method, HttpMethods.Get)
        && document.Definitions.Any(d => d is GraphQLOperationDefinition { Operation: not OperationType.Query });

    public override ValueTask<INodeVisitor?> GetPreNodeVisitorAsync(ValidationContext context)
    {
        if (!(context.UserContext.TryGetValue(MethodKey, out var method) && Equals(method, HttpMethods.Get)))
        {
            return default;
        }

        return new(new MatchingNodeVisitor<GraphQLOperationDefinition>((operation, ctx) =>
        {
            if (operation == ctx.Operation && operation.Operation != OperationType.Query)
            {
                ctx.ReportError(new ValidationError(ctx.Document.Source, null, "Only queries may be sent with GET; use POST.", operation) { Code = Code });
            }
        }));
    }
}

/// <summary>Subscriptions need a socket: over plain HTTP they are refused before they run (400).</summary>
public sealed class SubscriptionTransportRule : ValidationRuleBase, ICachedDocumentRule
{
    public const string Code = "SUBSCRIPTION_NEEDS_WEBSOCKET";

    public bool AppliesTo(ExecutionOptions request, GraphQLDocument document) =>
        !request.UserContext.ContainsKey(Subscriptions.Subscriber.Key)
        && document.Definitions.Any(d => d is GraphQLOperationDefinition { Operation: OperationType.Subscription });

    public override ValueTask<INodeVisitor?> GetPreNodeVisitorAsync(ValidationContext context)
    {
        if (context.UserContext.ContainsKey(Subscriptions.Subscriber.Key))
        {
            return default;
        }

        return new(new MatchingNodeVisitor<GraphQLOperationDefinition>((operation, ctx) =>
        {
            if (operation == ctx.Operation && operation.Operation == OperationType.Subscription)
            {
                ctx.ReportError(new ValidationError(ctx.Document.Source, null,
                    "Subscriptions are served over WebSocket (graphql-transport-ws) at /graphql.", operation)
                { Code = Code });
            }
        }));
    }
}
