using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PrivateNexus.Tests.Infrastructure;

/// <summary>
/// A graphql-transport-ws client written for the tests: every message is built by the test, so
/// both well-formed conversations and each protocol violation can be sent on purpose.
/// </summary>
public sealed class GraphQLWsClient : IAsyncDisposable
{
    private static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(15);
    private readonly ClientWebSocket _socket = new();

    private GraphQLWsClient()
    {
    }

    public WebSocketState State => _socket.State;

    public WebSocketCloseStatus? CloseStatus => _socket.CloseStatus;

    public string? CloseReason => _socket.CloseStatusDescription;

    public string? SubProtocol => _socket.SubProtocol;

    public static async Task<GraphQLWsClient> ConnectAsync(PnxApp app, string? subProtocol = "graphql-transport-ws", string? authorizationHeader = null)
    {
        var client = new GraphQLWsClient();
        if (subProtocol is not null)
        {
            client._socket.Options.AddSubProtocol(subProtocol);
        }

        if (authorizationHeader is not null)
        {
            client._socket.Options.SetRequestHeader("Authorization", authorizationHeader);
        }

        var uri = new UriBuilder(app.BaseAddress) { Scheme = "ws", Path = "/graphql" }.Uri;
        await client._socket.ConnectAsync(uri, TestContext.Current.CancellationToken);
        return client;
    }

    /// <summary>Connects and initialises with the token; asserts the ack.</summary>
    public static async Task<GraphQLWsClient> ReadyAsync(PnxApp app, string token)
    {
        var client = await ConnectAsync(app);
        await client.SendAsync(new { type = "connection_init", payload = new { authorization = "Bearer " + token } });
        var ack = await client.ReceiveAsync();
        Assert.Equal("connection_ack", ack?["type"]?.GetValue<string>());
        return client;
    }

    public Task SendAsync(object message) => SendRawAsync(JsonSerializer.Serialize(message));

    public async Task SendRawAsync(string text) =>
        await _socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, TestContext.Current.CancellationToken);

    public Task SubscribeAsync(string id, string query, object? variables = null) =>
        SendAsync(new { id, type = "subscribe", payload = new { query, variables } });

    /// <summary>The next message, skipping server pings (answered) unless asked for; null when the socket closed.</summary>
    public async Task<JsonObject?> ReceiveAsync(TimeSpan? within = null, bool includePings = false)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(within ?? DefaultWait);
        while (true)
        {
            var buffer = new byte[64 * 1024];
            using var message = new MemoryStream();
            WebSocketReceiveResult result;
            do
            {
                result = await _socket.ReceiveAsync(buffer, timeout.Token);
                message.Write(buffer, 0, result.Count);
            }
            while (!result.EndOfMessage);

            if (result.MessageType == WebSocketMessageType.Close)
            {
                return null;
            }

            var json = JsonNode.Parse(message.ToArray())!.AsObject();
            if (!includePings && json["type"]?.GetValue<string>() == "ping")
            {
                await SendAsync(new { type = "pong" });
                continue;
            }

            return json;
        }
    }

    /// <summary>The next message for operation <paramref name="id"/> (others are skipped).</summary>
    public async Task<JsonObject> ReceiveForAsync(string id, TimeSpan? within = null)
    {
        while (true)
        {
            var message = await ReceiveAsync(within) ?? throw new InvalidOperationException($"Socket closed: {CloseStatus} {CloseReason}");
            if (message["id"]?.GetValue<string>() == id)
            {
                return message;
            }
        }
    }

    /// <summary>Waits for the server to close the socket; returns its close code and reason.</summary>
    public async Task<(int Code, string? Reason)> ClosedAsync(TimeSpan? within = null)
    {
        while (await ReceiveAsync(within) is not null)
        {
        }

        return ((int)(_socket.CloseStatus ?? 0), _socket.CloseStatusDescription);
    }

    public async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "", timeout.Token);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
            {
            }
        }

        _socket.Dispose();
    }
}
