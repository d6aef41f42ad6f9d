using GraphQL;
using GraphQL.Types;
using Microsoft.Extensions.Options;
using PrivateNexus.Server.Hosting;

namespace PrivateNexus.Server.GraphQL.WebSockets;

/// <summary>Accepts WebSocket upgrades on <c>/graphql</c> and runs each as a <see cref="GraphQLWsConnection"/>.</summary>
public sealed class GraphQLWebSocketEndpoint(
    IDocumentExecuter<ISchema> executer,
    IGraphQLTextSerializer serializer,
    WebSocketAuthenticator authenticator,
    ConnectionRegistry registry,
    IServiceScopeFactory scopes,
    IOptions<PnxOptions> options,
    TimeProvider time,
    ILogger<GraphQLWsConnection> logger)
{
    public async Task HandleAsync(HttpContext context)
    {
        var offered = context.WebSockets.WebSocketRequestedProtocols;
        if (!offered.Contains(GraphQLWsConnection.SubProtocol, StringComparer.Ordinal))
        {
            // As graphql-ws servers do: accept, then close with 4406, so the client learns why.
            using var refused = await context.WebSockets.AcceptWebSocketAsync();
            await refused.CloseAsync(
                (System.Net.WebSockets.WebSocketCloseStatus)ProtocolClose.SubprotocolNotAcceptable,
                "Subprotocol not acceptable: use graphql-transport-ws",
                context.RequestAborted);
            return;
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync(GraphQLWsConnection.SubProtocol);
        var settings = options.Value;
        await using var connection = new GraphQLWsConnection(
            socket, context, executer, serializer, authenticator, registry, scopes, settings.Realtime, settings.GraphQL.MaxRequestBytes, time, logger);
        await connection.RunAsync();
    }
}
