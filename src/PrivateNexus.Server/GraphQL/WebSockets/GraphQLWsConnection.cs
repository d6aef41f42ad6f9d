using System.Buffers;
using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text.Json;
using System.Threading.Channels;
using GraphQL;
using GraphQL.Types;
using PrivateNexus.Server.Authorization;
using PrivateNexus.Server.Common;
using PrivateNexus.Server.Events;
using PrivateNexus.Server.GraphQL.Subscriptions;
using PrivateNexus.Server.Hosting;

namespace PrivateNexus.Server.GraphQL.WebSockets;

/// <summary>
/// One socket speaking graphql-transport-ws, to the letter of the protocol: connection_init (with the
/// access token) within the init timeout or 4408; one init only, else 4429; nothing before the ack
/// but ping, else 4401; unique operation ids, else 4409; anything malformed, 4400; a credential that
/// expires or is revoked without the client re-authenticating, 4403. Each operation runs in its own
/// DI scope. Everything sent goes through one bounded queue and one writer (sends never interleave);
/// a client that stops reading is closed (1013) instead of growing the server's memory.
/// </summary>
public sealed partial class GraphQLWsConnection : IAsyncDisposable
{
    public const string SubProtocol = "graphql-transport-ws";

    private readonly WebSocket _socket;
    private readonly HttpContext _http;
    private readonly IDocumentExecuter<ISchema> _executer;
    private readonly IGraphQLTextSerializer _serializer;
    private readonly WebSocketAuthenticator _authenticator;
    private readonly ConnectionRegistry _registry;
    private readonly IServiceScopeFactory _scopes;
    private readonly RealtimeOptions _options;
    private readonly int _maxMessageBytes;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    private readonly Channel<byte[]> _outbox;
    private readonly ConcurrentDictionary<string, Operation> _operations = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _lifetime = new();
    private readonly Lock _gate = new();
    private readonly Channel<bool> _recheck = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    private SocketCredential? _credential;
    private Subscriber? _subscriber;
    private bool _initReceived;
    private bool _acknowledged;
    private string? _registeredSubject;
    private (WebSocketCloseStatus Status, string Reason)? _close;

    public GraphQLWsConnection(
        WebSocket socket, HttpContext http, IDocumentExecuter<ISchema> executer, IGraphQLTextSerializer serializer,
        WebSocketAuthenticator authenticator, ConnectionRegistry registry, IServiceScopeFactory scopes,
        RealtimeOptions options, int maxMessageBytes, TimeProvider time, ILogger logger)
    {
        _socket = socket;
        _http = http;
        _executer = executer;
        _serializer = serializer;
        _authenticator = authenticator;
        _registry = registry;
        _scopes = scopes;
        _options = options;
        _maxMessageBytes = maxMessageBytes;
        _time = time;
        _logger = logger;
        _outbox = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(options.SendQueueLimit) { SingleReader = true });
    }

    /// <summary>Signed in with a personal API token (re-checked when any API token is revoked).</summary>
    public bool UsesApiToken => _credential?.Principal.HasClaim(c => c.Type == PnxClaims.ApiTokenId) == true;

    /// <summary>Asks the connection to re-validate its credential and actor now (coalesced).</summary>
    public void RecheckSoon() => _recheck.Writer.TryWrite(true);

    public async Task RunAsync()
    {
        var writer = Task.Run(WriteLoopAsync);
        var watchdog = Task.Run(WatchLoopAsync);
        try
        {
            await ReadLoopAsync();
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
        {
            // The client vanished (or was aborted after a close it never answered): nothing left to say.
        }
        finally
        {
            // Let the writer finish first: it owes the client the answer to its close frame.
            _outbox.Writer.TryComplete();
            await Task.WhenAny(writer, Task.Delay(CloseHandshakeTimeout, _time, CancellationToken.None));
            await _lifetime.CancelAsync();
            await StopAllOperationsAsync();
            await Task.WhenAll(writer, watchdog).ContinueWith(_ => { }, TaskScheduler.Default);
            if (_registeredSubject is not null)
            {
                _registry.Remove(_registeredSubject, this);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAllOperationsAsync();
        _lifetime.Dispose();
    }

    // ------------------------------------------------------------------------------------------
    // Reading
    // ------------------------------------------------------------------------------------------

    private async Task ReadLoopAsync()
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        while (_socket.State == WebSocketState.Open)
        {
            buffer.ResetWrittenCount();
            ValueWebSocketReceiveResult received;
            do
            {
                received = await _socket.ReceiveAsync(buffer.GetMemory(4096), CancellationToken.None);
                buffer.Advance(received.Count);
                if (buffer.WrittenCount > _maxMessageBytes)
                {
                    Close(WebSocketCloseStatus.MessageTooBig, $"Messages are limited to {_maxMessageBytes} bytes");
                    return;
                }
            }
            while (!received.EndOfMessage && received.MessageType != WebSocketMessageType.Close);

            if (received.MessageType == WebSocketMessageType.Close)
            {
                // The client's close (or its answer to ours): answer in kind and stop.
                Close(WebSocketCloseStatus.NormalClosure, "");
                return;
            }

            if (_close is not null)
            {
                continue;
            }

            if (received.MessageType != WebSocketMessageType.Text)
            {
                Close(ProtocolClose.BadRequest, "Invalid message received: binary frames are not part of graphql-transport-ws");
                continue;
            }

            try
            {
                await HandleAsync(buffer.WrittenMemory);
            }
            catch (Exception ex) when (ex is not (WebSocketException or OperationCanceledException))
            {
                _logger.LogError(ex, "A WebSocket message could not be handled");
                Close(ProtocolClose.InternalServerError, "Internal server error");
            }
        }
    }

    private async Task HandleAsync(ReadOnlyMemory<byte> data)
    {
        ClientMessage message;
        try
        {
            message = ClientMessage.Parse(data.Span, _serializer);
        }
        catch (ProtocolException ex)
        {
            Close(ProtocolClose.BadRequest, "Invalid message received: " + ex.Message);
            return;
        }

        switch (message.Type)
        {
            case "connection_init":
                await InitAsync(message);
                break;
            case "ping":
                Send(Messages.Pong());
                if (_acknowledged && WebSocketAuthenticator.FromPayload(message.Payload) is { } renewed)
                {
                    // Not in the protocol's text, which leaves ping payloads free: a client re-authenticates
                    // by sending its new token here before the old one expires.
                    await ReauthenticateAsync(renewed);
                }

                break;
            case "pong":
                break;
            case "subscribe":
                await SubscribeAsync(message);
                break;
            case "complete":
                if (_operations.TryRemove(message.Id!, out var operation))
                {
                    await operation.StopAsync();
                }

                break;
            default:
                Close(ProtocolClose.BadRequest, $"Invalid message received: unknown type '{message.Type}'");
                break;
        }
    }

    private async Task InitAsync(ClientMessage message)
    {
        lock (_gate)
        {
            if (_initReceived)
            {
                Close(ProtocolClose.TooManyInitialisationRequests, "Too many initialisation requests");
                return;
            }

            _initReceived = true;
        }

        var authorization = WebSocketAuthenticator.FromPayload(message.Payload) ?? UpgradeAuthorization();
        var credential = authorization is null ? null : await _authenticator.AuthenticateAsync(_http.Request, authorization, _lifetime.Token);
        if (credential is null)
        {
            Close(ProtocolClose.Forbidden, authorization is null
                ? "Forbidden: send the access token in connection_init's payload as {\"authorization\": \"Bearer <token>\"}"
                : "Forbidden: the access token is invalid, expired or revoked");
            return;
        }

        if (!_registry.TryAdd(credential.Subject, this, _options.MaxConnectionsPerUser))
        {
            Close(ProtocolClose.TooManyInitialisationRequests, $"Too many connections: at most {_options.MaxConnectionsPerUser} per user");
            return;
        }

        _registeredSubject = credential.Subject;
        _credential = credential;
        _subscriber = new Subscriber(credential.Principal);
        _acknowledged = true;
        Send(Messages.ConnectionAck());
    }

    /// <summary>A token on the upgrade request itself (non-browser clients may send it there); never a cookie, which a foreign page could ride on.</summary>
    private string? UpgradeAuthorization() =>
        _http.Request.Headers.Authorization is { Count: > 0 } header && !string.IsNullOrWhiteSpace(header.ToString()) ? header.ToString() : null;

    private async Task ReauthenticateAsync(string authorization)
    {
        var credential = await _authenticator.AuthenticateAsync(_http.Request, authorization, _lifetime.Token);
        if (credential is null || credential.Subject != _credential?.Subject)
        {
            Close(ProtocolClose.Forbidden, "Forbidden: the new access token is invalid, or for someone else");
            return;
        }

        _credential = credential;
        _subscriber!.Principal = credential.Principal;
    }

    private async Task SubscribeAsync(ClientMessage message)
    {
        if (!_acknowledged)
        {
            Close(ProtocolClose.Unauthorized, "Unauthorized");
            return;
        }

        var id = message.Id!;
        if (_operations.Count >= _options.MaxSubscriptionsPerConnection)
        {
            Send(Messages.Error(id, _serializer, new TransportError(
                $"At most {_options.MaxSubscriptionsPerConnection} operations may run at once on one connection.", ErrorCode.LimitExceeded)));
            return;
        }

        var operation = new Operation(id, CancellationTokenSource.CreateLinkedTokenSource(_lifetime.Token));
        if (!_operations.TryAdd(id, operation))
        {
            operation.Dispose();
            Close(ProtocolClose.SubscriberAlreadyExists, $"Subscriber for {id} already exists");
            return;
        }

        operation.Run = Task.Run(() => ExecuteAsync(operation, message.Request!));

        // A subscription is set up (checked, listening) before the next message is read, so a client
        // that sends something after subscribing knows it is live; queries and mutations run alongside.
        if (OperationKind.IsSubscription(message.Request!))
        {
            await operation.Run;
        }
    }

    // ------------------------------------------------------------------------------------------
    // Credential watch: expiry, revocation, keep-alive
    // ------------------------------------------------------------------------------------------

    private async Task WatchLoopAsync()
    {
        var stop = _lifetime.Token;
        var initDeadline = _time.GetUtcNow() + _options.ConnectionInitTimeout;
        var nextPing = _time.GetUtcNow() + _options.KeepAliveInterval;
        var nextRecheck = _time.GetUtcNow() + _options.CredentialRecheckInterval;
        try
        {
            while (!stop.IsCancellationRequested && _close is null)
            {
                var now = _time.GetUtcNow();
                if (!_acknowledged)
                {
                    if (!_initReceived && now >= initDeadline)
                    {
                        Close(ProtocolClose.ConnectionInitialisationTimeout, "Connection initialisation timeout");
                        return;
                    }
                }
                else
                {
                    if (_credential?.ExpiresAt is { } expires && now >= expires)
                    {
                        Close(ProtocolClose.Forbidden, "Forbidden: the access token expired; reconnect with a new one");
                        return;
                    }

                    if (now >= nextRecheck || _recheck.Reader.TryRead(out _))
                    {
                        nextRecheck = now + _options.CredentialRecheckInterval;
                        if (_credential is { } current && await _authenticator.AuthenticateAsync(_http.Request, current.Authorization, stop) is null)
                        {
                            Close(ProtocolClose.Forbidden, "Forbidden: the credential was revoked, or its user or application is no longer active");
                            return;
                        }
                    }

                    if (now >= nextPing)
                    {
                        nextPing = now + _options.KeepAliveInterval;
                        Send(Messages.Ping());
                    }
                }

                var wake = Min(_acknowledged ? Min(nextPing, nextRecheck) : initDeadline, _credential?.ExpiresAt) - now;
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
                timeout.CancelAfter(wake < TimeSpan.FromMilliseconds(50) ? TimeSpan.FromMilliseconds(50) : wake);
                try
                {
                    await _recheck.Reader.WaitToReadAsync(timeout.Token);
                }
                catch (OperationCanceledException) when (!stop.IsCancellationRequested)
                {
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset? b) => b is { } value && value < a ? value : a;

    // ------------------------------------------------------------------------------------------
    // Writing and closing
    // ------------------------------------------------------------------------------------------

    /// <summary>Queues a message; a client too far behind (queue full) is closed as a slow consumer.</summary>
    private void Send(byte[] message)
    {
        if (_close is not null)
        {
            return;
        }

        if (!_outbox.Writer.TryWrite(message))
        {
            Close(ProtocolClose.TryAgainLater, $"Slow consumer: more than {_options.SendQueueLimit} messages waited to be sent");
        }
    }

    /// <summary>Closes the socket with a protocol code once what is being sent now has gone; later messages are dropped.</summary>
    private void Close(WebSocketCloseStatus status, string reason)
    {
        lock (_gate)
        {
            if (_close is not null)
            {
                return;
            }

            _close = (status, reason);
        }

        _outbox.Writer.TryComplete();
    }

    private void Close(int code, string reason) => Close((WebSocketCloseStatus)code, reason);

    private async Task WriteLoopAsync()
    {
        try
        {
            while (await _outbox.Reader.WaitToReadAsync(_lifetime.Token))
            {
                while (_close is null && _outbox.Reader.TryRead(out var message))
                {
                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_lifetime.Token);
                    timeout.CancelAfter(SendTimeout);
                    await _socket.SendAsync(message, WebSocketMessageType.Text, endOfMessage: true, timeout.Token);
                }

                if (_close is not null)
                {
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
        {
            // Gone, or a send that a non-reading client blocked past the timeout (the socket is aborted).
            return;
        }

        if (_close is { } close && _socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            try
            {
                using var timeout = new CancellationTokenSource(SendTimeout);
                await _socket.CloseOutputAsync(close.Status, Truncate(close.Reason), timeout.Token);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
            {
                _socket.Abort();
                return;
            }

            // Wait a little for the client's close frame (the read loop ends on it), then hang up.
            if (_socket.State != WebSocketState.Closed)
            {
                _ = Task.Delay(CloseHandshakeTimeout, _time, CancellationToken.None).ContinueWith(_ => AbortQuietly(), TaskScheduler.Default);
            }
        }
    }

    private void AbortQuietly()
    {
        try
        {
            if (_socket.State != WebSocketState.Closed)
            {
                _socket.Abort();
            }
        }
        catch (ObjectDisposedException)
        {
            // Already closed and disposed by the endpoint: nothing to hang up.
        }
    }

    private static readonly TimeSpan SendTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan CloseHandshakeTimeout = TimeSpan.FromSeconds(5);

    /// <summary>A close reason must fit the 123 bytes a close frame has room for.</summary>
    private static string Truncate(string reason)
    {
        if (System.Text.Encoding.UTF8.GetByteCount(reason) <= 123)
        {
            return reason;
        }

        var cut = reason[..Math.Min(reason.Length, 120)];
        while (System.Text.Encoding.UTF8.GetByteCount(cut) > 120)
        {
            cut = cut[..^1];
        }

        return cut + "...";
    }

    private async Task StopAllOperationsAsync()
    {
        foreach (var id in _operations.Keys.ToList())
        {
            if (_operations.TryRemove(id, out var operation))
            {
                await operation.StopAsync();
            }
        }
    }
}
