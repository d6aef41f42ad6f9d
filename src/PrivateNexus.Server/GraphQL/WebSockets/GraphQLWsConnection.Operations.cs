using GraphQL;
using PrivateNexus.Server.Authorization;
using PrivateNexus.Server.Common;
using PrivateNexus.Server.Events;
using PrivateNexus.Server.GraphQL.Subscriptions;

namespace PrivateNexus.Server.GraphQL.WebSockets;

public sealed partial class GraphQLWsConnection
{
    /// <summary>The key in GraphQL's user context that says which transport carried the request.</summary>
    public const string TransportKey = "pnx.transport";

    private async Task ExecuteAsync(Operation operation, global::GraphQL.Transport.GraphQLRequest request)
    {
        var id = operation.Id;
        try
        {
            ExecutionResult result;
            await using (var scope = _scopes.CreateAsyncScope())
            {
                scope.ServiceProvider.GetRequiredService<CurrentActor>().SetPrincipal(_subscriber!.Principal);
                result = await _executer.ExecuteAsync(new ExecutionOptions
                {
                    Query = request.Query,
                    OperationName = request.OperationName,
                    Variables = request.Variables,
                    Extensions = request.Extensions,
                    RequestServices = scope.ServiceProvider,
                    User = _subscriber.Principal,
                    UserContext = new Dictionary<string, object?> { [Subscriber.Key] = _subscriber, [TransportKey] = "websocket" },
                    CancellationToken = operation.Token,
                });
            }

            if (operation.Token.IsCancellationRequested)
            {
                return;
            }

            if (!result.Executed)
            {
                // Never ran (parse or validation errors): the protocol's error message, and the operation is over.
                Finish(operation, Messages.Error(id, _serializer, result.Errors ?? []));
                return;
            }

            if (result.Streams is { Count: > 0 } streams)
            {
                var stream = streams.Values.Single();
                operation.Attach(stream.Subscribe(new StreamObserver(this, operation)));
                return;
            }

            // A query or mutation, or a subscription refused when it was set up: one result, then complete.
            Send(Messages.Next(id, result, _serializer));
            Finish(operation, Messages.Complete(id));
        }
        catch (OperationCanceledException) when (operation.Token.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "WebSocket operation {Operation} failed", id);
            Finish(operation, Messages.Error(id, _serializer, new TransportError("An internal error occurred.", ErrorCode.Internal)));
        }
    }

    /// <summary>Sends the operation's last message, unless the client completed it first (then nothing more may be sent for it).</summary>
    private void Finish(Operation operation, byte[] last)
    {
        if (_operations.TryRemove(new KeyValuePair<string, Operation>(operation.Id, operation)))
        {
            Send(last);
            operation.Dispose();
        }
    }

    /// <summary>Sends a subscription's events as they come; ends it with complete, or with error when its stream failed.</summary>
    private sealed class StreamObserver(GraphQLWsConnection connection, Operation operation) : IObserver<ExecutionResult>
    {
        public void OnNext(ExecutionResult value)
        {
            if (!operation.Token.IsCancellationRequested)
            {
                connection.Send(Messages.Next(operation.Id, value, connection._serializer));
            }
        }

        public void OnError(Exception error)
        {
            if (Unwrap(error) is SlowSubscriberException)
            {
                // The events came faster than this client took them: close, so it reconnects and reloads.
                connection.Close(ProtocolClose.TryAgainLater, "Slow consumer: the subscription fell too far behind");
                return;
            }

            var executionError = error as ExecutionError ?? new TransportError("The subscription failed.", ErrorCode.Internal);
            connection.Finish(operation, Messages.Error(operation.Id, connection._serializer, executionError));
        }

        public void OnCompleted() => connection.Finish(operation, Messages.Complete(operation.Id));

        private static Exception Unwrap(Exception error)
        {
            while (error.InnerException is { } inner && error is not SlowSubscriberException)
            {
                error = inner;
            }

            return error;
        }
    }

    /// <summary>One running operation: cancelled and unsubscribed when the client completes it or the socket ends.</summary>
    private sealed class Operation(string id, CancellationTokenSource cancellation) : IDisposable
    {
        private int _disposed;

        public string Id { get; } = id;

        public CancellationToken Token { get; } = cancellation.Token;

        public Task? Run { get; set; }

        private IDisposable? _subscription;

        /// <summary>Keeps the stream's subscription; if the operation was stopped meanwhile, ends it at once.</summary>
        public void Attach(IDisposable subscription)
        {
            Interlocked.Exchange(ref _subscription, subscription);
            if (Volatile.Read(ref _disposed) == 1)
            {
                Interlocked.Exchange(ref _subscription, null)?.Dispose();
            }
        }

        public async Task StopAsync()
        {
            Dispose();
            if (Run is { } run)
            {
                await run.ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 1)
            {
                return;
            }

            cancellation.Cancel();
            Interlocked.Exchange(ref _subscription, null)?.Dispose();
            cancellation.Dispose();
        }
    }
}
