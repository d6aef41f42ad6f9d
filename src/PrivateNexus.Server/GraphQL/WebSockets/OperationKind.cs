using GraphQL.Transport;
using GraphQLParser;
using GraphQLParser.AST;

namespace PrivateNexus.Server.GraphQL.WebSockets;

/// <summary>Tells a subscription from a query or mutation before running it (a parse of the document; errors are the executer's to report).</summary>
internal static class OperationKind
{
    public static bool IsSubscription(GraphQLRequest request)
    {
        try
        {
            var document = Parser.Parse(request.Query);
            var operations = document.Definitions.OfType<GraphQLOperationDefinition>().ToList();
            var operation = request.OperationName is { } name
                ? operations.FirstOrDefault(o => o.Name?.StringValue == name)
                : operations.Count == 1 ? operations[0] : null;
            return operation?.Operation == OperationType.Subscription;
        }
        catch (GraphQLParser.Exceptions.GraphQLSyntaxErrorException)
        {
            return false;
        }
    }
}
