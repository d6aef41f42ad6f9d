using System.Collections.Immutable;
using System.Threading.Channels;

namespace PrivateNexus.Server.Events;

/// <summary>
/// The one event bus. Publishing never blocks and never waits on a subscriber: each subscription
/// has its own bounded queue, read at its own pace; one that falls too far behind is ended with
/// <see cref="SlowSubscriberException"/> instead of growing the server's memory. In process by
/// default; with a <see cref="IEventTransport"/> (Redis) cluster-wide events also travel to, and
/// arrive from, the other server replicas.
/// </summary>
public sealed class EventBus : IDisposable
{
    private readonly ILogger<EventBus> _logger;
    private readonly IEventTransport? _transport;
    private ImmutableArray<Subscription> _subscriptions = [];
    private ImmutableArray<Action<PnxEvent>> _listeners = [];
    private long _published;
    private long _delivered;
    private long _dropped;

    public EventBus(ILogger<EventBus> logger, IEventTransport? transport = null)
    {
        _logger = logger;
        _transport = transport;
        transport?.Attach(Deliver);
    }

    public long Published => Interlocked.Read(ref _published);

    public long Delivered => Interlocked.Read(ref _delivered);

    /// <summary>Events a subscription could not take because its queue was full (the subscription ended).</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    public int SubscriptionCount => _subscriptions.Length;

    public IEventTransport? Transport => _transport;

    /// <summary>Delivers to this replica's subscribers now and, for cluster events, hands it to the transport.</summary>
    public void Publish(PnxEvent @event, EventReach reach = EventReach.Cluster)
    {
        Interlocked.Increment(ref _published);
        Deliver(@event);
        if (reach == EventReach.Cluster)
        {
            _transport?.Send(@event);
        }
    }

    /// <summary>
    /// A queue of the events matching <paramref name="filter"/>; dispose it to stop. The filter runs on
    /// the publisher's thread, so it must be cheap and must not block (compare ids, nothing more).
    /// </summary>
    public Subscription Subscribe(Func<PnxEvent, bool> filter, int capacity = 1024)
    {
        var subscription = new Subscription(this, filter, capacity);
        ImmutableInterlocked.Update(ref _subscriptions, s => s.Add(subscription));
        return subscription;
    }

    /// <summary>A synchronous handler for every event (cache invalidations). It runs on the publisher's thread: keep it tiny.</summary>
    public IDisposable Listen(Action<PnxEvent> handler)
    {
        ImmutableInterlocked.Update(ref _listeners, l => l.Add(handler));
        return new Unlisten(this, handler);
    }

    public void Dispose()
    {
        foreach (var subscription in _subscriptions)
        {
            subscription.Dispose();
        }
    }

    private void Deliver(PnxEvent @event)
    {
        foreach (var listener in _listeners)
        {
            try
            {
                listener(@event);
            }
            catch (Exception ex)
            {
                _logger.LogError(ex, "An event listener failed on {Event}", @event.GetType().Name);
            }
        }

        foreach (var subscription in _subscriptions)
        {
            if (!subscription.Matches(@event))
            {
                continue;
            }

            if (subscription.TryWrite(@event))
            {
                Interlocked.Increment(ref _delivered);
            }
            else
            {
                Interlocked.Increment(ref _dropped);
            }
        }
    }

    private void Remove(Subscription subscription) => ImmutableInterlocked.Update(ref _subscriptions, s => s.Remove(subscription));

    public sealed class Subscription : IDisposable
    {
        private readonly EventBus _bus;
        private readonly Func<PnxEvent, bool> _filter;
        private readonly Channel<PnxEvent> _queue;
        private readonly int _capacity;

        internal Subscription(EventBus bus, Func<PnxEvent, bool> filter, int capacity)
        {
            _bus = bus;
            _filter = filter;
            _capacity = capacity;
            _queue = Channel.CreateBounded<PnxEvent>(new BoundedChannelOptions(capacity)
            {
                SingleReader = true,
                FullMode = BoundedChannelFullMode.Wait,
            });
        }

        public ChannelReader<PnxEvent> Reader => _queue.Reader;

        internal bool Matches(PnxEvent @event)
        {
            try
            {
                return _filter(@event);
            }
            catch (Exception)
            {
                return false;
            }
        }

        internal bool TryWrite(PnxEvent @event)
        {
            if (_queue.Writer.TryWrite(@event))
            {
                return true;
            }

            // Full (the reader fell behind by a whole queue) or already ended: end it for good, so the
            // reader learns it missed events instead of silently skipping some.
            _queue.Writer.TryComplete(new SlowSubscriberException(_capacity));
            _bus.Remove(this);
            return false;
        }

        public void Dispose()
        {
            _queue.Writer.TryComplete();
            _bus.Remove(this);
        }
    }

    private sealed class Unlisten(EventBus bus, Action<PnxEvent> handler) : IDisposable
    {
        public void Dispose() => ImmutableInterlocked.Update(ref bus._listeners, l => l.Remove(handler));
    }
}

/// <summary>A subscriber did not keep up: its queue of undelivered events was full.</summary>
public sealed class SlowSubscriberException(int capacity)
    : Exception($"The subscriber fell {capacity} events behind and was disconnected; subscribe again and reload the current state.");

/// <summary>Carries cluster-wide events between server replicas (Redis pub/sub).</summary>
public interface IEventTransport
{
    /// <summary>Never blocks and never throws: a transport that is down logs it and reports it to health checks.</summary>
    void Send(PnxEvent message);

    /// <summary>Where events published by other replicas go (the bus's local delivery); called once.</summary>
    void Attach(Action<PnxEvent> receive);

    bool Connected { get; }
}
