using System.Text.Json;
using StackExchange.Redis;

namespace PrivateNexus.Server.Events;

/// <summary>
/// Cluster-wide events over Redis pub/sub: each replica publishes its events on one channel and
/// delivers what the others published to its own subscribers. Its own messages come back too and
/// are skipped (they were delivered locally already, at once). Pub/sub is at-most-once: while Redis
/// is down, events do not cross replicas — each replica still serves its own subscribers — and the
/// gap is logged and shown in <c>/readyz</c>.
/// </summary>
public sealed class RedisEventTransport(RedisConnection redis, ILogger<RedisEventTransport> logger) : IEventTransport, IDisposable
{
    public static readonly RedisChannel Channel = RedisChannel.Literal("privatenexus:events");

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);
    private readonly string _origin = Guid.NewGuid().ToString("N");
    private readonly CancellationTokenSource _stopping = new();
    private ChannelMessageQueue? _queue;
    private Action<PnxEvent>? _receive;
    private Task? _subscribing;

    /// <summary>The background subscription attempt (done once subscribed).</summary>
    public Task? Subscribing => _subscribing;
    private long _sendFailures;

    public bool Connected => redis.IsConnected;

    public long SendFailures => Interlocked.Read(ref _sendFailures);

    public void Attach(Action<PnxEvent> receive)
    {
        _receive = receive;

        // Not awaited: a server whose Redis is down at start starts anyway and subscribes once it can.
        // After that, the multiplexer re-subscribes by itself whenever it reconnects.
        _subscribing = Task.Run(SubscribeAsync);
    }

    private async Task SubscribeAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            try
            {
                var queue = await redis.Multiplexer.GetSubscriber().SubscribeAsync(Channel);
                queue.OnMessage(Handle);
                _queue = queue;
                return;
            }
            catch (RedisException)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), _stopping.Token).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    private void Handle(ChannelMessage message)
    {
        try
        {
            var envelope = JsonSerializer.Deserialize<Envelope>((byte[])message.Message!, JsonOptions);
            if (envelope is { Event: { } @event } && envelope.Origin != _origin)
            {
                _receive?.Invoke(@event);
            }
        }
        catch (JsonException ex)
        {
            // Another version's event type, or garbage on our channel: skip it, keep listening.
            logger.LogWarning("Skipped an unreadable event from Redis: {Error}", ex.Message);
        }
    }

    public void Send(PnxEvent message)
    {
        // Fire-and-forget publishes are dropped silently while disconnected: count them here instead.
        if (!redis.IsConnected)
        {
            Interlocked.Increment(ref _sendFailures);
            return;
        }

        try
        {
            var payload = JsonSerializer.SerializeToUtf8Bytes(new Envelope(_origin, message), JsonOptions);
            redis.Multiplexer.GetSubscriber().Publish(Channel, payload, CommandFlags.FireAndForget);
        }
        catch (Exception ex) when (ex is RedisException or ObjectDisposedException or TimeoutException)
        {
            // Counted and visible in /readyz; logged once per outage by RedisConnection.
            Interlocked.Increment(ref _sendFailures);
        }
    }

    /// <summary>Subscribed to the channel (false until Redis was first reached).</summary>
    public bool Subscribed => _queue is not null;

    public void Dispose()
    {
        _stopping.Cancel();
        try
        {
            _queue?.Unsubscribe();
        }
        catch (ObjectDisposedException)
        {
            // The connection was closed first (seen at shutdown under load): nothing is left to unsubscribe from.
        }

        _stopping.Dispose();
    }

    private sealed record Envelope(string Origin, PnxEvent Event);
}
