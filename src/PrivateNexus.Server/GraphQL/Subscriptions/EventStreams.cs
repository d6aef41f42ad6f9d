using System.Collections.Concurrent;
using System.Reactive.Linq;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using GraphQL;
using PrivateNexus.Server.Authorization;
using PrivateNexus.Server.Common;
using PrivateNexus.Server.Events;

namespace PrivateNexus.Server.GraphQL.Subscriptions;

/// <summary>How one subscription field turns bus events into payloads for one subscriber.</summary>
/// <param name="Name">The feed's name: payloads are loaded once per event and feed, and shared by its subscribers.</param>
/// <param name="Match">Cheap, on the publisher's thread: does the event concern this subscription at all (ids only)?</param>
/// <param name="Allowed">The rulebook, asked again for every delivery with the subscriber's current roles (in memory).</param>
/// <param name="Load">
/// Reads the payload through the feature service, once per event for all subscribers of the feed, as the
/// system (each subscriber has passed <paramref name="Allowed"/>); null (or NOT_FOUND) skips the event.
/// </param>
/// <param name="CoalesceKey">Events with the same key waiting together are delivered once (state, not history); null keeps each.</param>
/// <param name="IsLast">The payload after which the subscription completes (a finished deployment).</param>
public sealed record EventFeed<TEvent>(
    string Name,
    Func<TEvent, bool> Match,
    Func<Actor, TEvent, bool> Allowed,
    Func<IServiceProvider, TEvent, CancellationToken, Task<object?>> Load,
    Func<TEvent, object>? CoalesceKey = null,
    Func<object, bool>? IsLast = null)
    where TEvent : PnxEvent;

/// <summary>
/// Builds subscription streams from the event bus. Each subscriber reads its own bounded queue;
/// every delivery resolves the subscriber's actor afresh (cached directory, invalidated on every
/// role change) and asks the rulebook again, so someone removed from a client stops receiving its
/// events with the next one. Refusals at delivery are silent: they are not requests. The payload
/// of an event is read once and shared: a thousand subscribers of one change cost one query.
/// </summary>
public sealed class EventStreams(EventBus bus, IServiceScopeFactory scopes)
{
    public const int QueueCapacity = 1024;

    // Per feed, the payload of each event while any subscriber still holds the event (weakly keyed).
    private readonly ConcurrentDictionary<string, ConditionalWeakTable<PnxEvent, Lazy<Task<object?>>>> _payloads = new(StringComparer.Ordinal);

    /// <param name="initial">
    /// Reads what the subscriber asked about as it is now, delivered first — read after the bus
    /// subscription is in place, so no change can fall between the two.
    /// </param>
    public IObservable<object?> Create<TEvent>(
        IResolveFieldContext context, EventFeed<TEvent> feed, Func<IServiceProvider, CancellationToken, Task<object?>>? initial = null)
        where TEvent : PnxEvent
    {
        var subscriber = SubscriberOf(context);

        return Observable.Create<object?>(async (observer, cancellationToken) =>
        {
            using var subscription = bus.Subscribe(e => e is TEvent t && feed.Match(t), QueueCapacity);
            if (initial is not null)
            {
                var scope = CreateScope(subscriber);
                var now = await initial(scope.ServiceProvider, cancellationToken);
                if (now is null)
                {
                    await scope.DisposeAsync();
                    return;
                }

                observer.OnNext(new ScopedEvent(scope, now));
                if (feed.IsLast?.Invoke(now) == true)
                {
                    return;
                }
            }

            try
            {
                while (await subscription.Reader.WaitToReadAsync(cancellationToken))
                {
                    foreach (var @event in Drain(subscription.Reader, feed.CoalesceKey))
                    {
                        var delivery = await DeliverAsync(subscriber, feed, @event, cancellationToken);
                        if (delivery is null)
                        {
                            continue;
                        }

                        if (cancellationToken.IsCancellationRequested)
                        {
                            await delivery.Scope.DisposeAsync();
                            return;
                        }

                        observer.OnNext(delivery);
                        if (delivery.Payload is { } payload && feed.IsLast?.Invoke(payload) == true)
                        {
                            return;
                        }
                    }
                }
            }
            catch (SlowSubscriberException slow)
            {
                // WaitToReadAsync rethrows the queue's completion error as it is (ReadAsync would wrap it).
                observer.OnError(slow);
            }
        });
    }

    /// <summary>The subscriber of this (WebSocket) operation; over HTTP there is none and subscribing is refused.</summary>
    public static Subscriber SubscriberOf(IResolveFieldContext context) =>
        context.UserContext.TryGetValue(Subscriber.Key, out var value) && value is Subscriber s
            ? s
            : throw DomainException.BadInput("subscription", "Subscriptions are served over WebSocket (graphql-transport-ws) at /graphql.");

    /// <summary>The subscriber's actor now (its roles as of the latest change), for streams that re-check as they go.</summary>
    public async Task<Actor> ActorAsync(Subscriber subscriber, CancellationToken cancellationToken)
    {
        await using var scope = CreateScope(subscriber);
        return await scope.ServiceProvider.GetRequiredService<CurrentActor>().GetAsync(cancellationToken);
    }

    /// <summary>A stream that is not made of bus events (followed logs): each item resolved in its own scope, as events are.</summary>
    public IObservable<object?> FromAsyncEnumerable<T>(Subscriber subscriber, IAsyncEnumerable<T> items) =>
        Observable.Create<object?>(async (observer, cancellationToken) =>
        {
            await foreach (var item in items.WithCancellation(cancellationToken))
            {
                observer.OnNext(new ScopedEvent(CreateScope(subscriber), item));
            }
        });

    private AsyncServiceScope CreateScope(Subscriber subscriber)
    {
        var scope = scopes.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentActor>().SetPrincipal(subscriber.Principal);
        return scope;
    }

    private async Task<ScopedEvent?> DeliverAsync<TEvent>(Subscriber subscriber, EventFeed<TEvent> feed, TEvent @event, CancellationToken cancellationToken)
        where TEvent : PnxEvent
    {
        var scope = CreateScope(subscriber);
        try
        {
            var actor = await scope.ServiceProvider.GetRequiredService<CurrentActor>().GetAsync(cancellationToken);
            var payload = actor.IsAuthenticated && feed.Allowed(actor, @event) ? await SharedPayloadAsync(feed, @event) : null;
            if (payload is null)
            {
                await scope.DisposeAsync();
                return null;
            }

            return new ScopedEvent(scope, payload);
        }
        catch
        {
            await scope.DisposeAsync();
            throw;
        }
    }

    /// <summary>The event's payload for this feed: loaded by the first subscriber that needs it, in a scope of its own acting as the system.</summary>
    private Task<object?> SharedPayloadAsync<TEvent>(EventFeed<TEvent> feed, TEvent @event)
        where TEvent : PnxEvent
    {
        var table = _payloads.GetOrAdd(feed.Name, _ => []);
        return table.GetValue(@event, e => new Lazy<Task<object?>>(() => LoadAsSystemAsync(feed, (TEvent)e))).Value;
    }

    private async Task<object?> LoadAsSystemAsync<TEvent>(EventFeed<TEvent> feed, TEvent @event)
        where TEvent : PnxEvent
    {
        await using var scope = scopes.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentActor>().Set(Actor.System);
        try
        {
            // Not the subscriber's token: the load is shared and must not die with one subscription.
            return await feed.Load(scope.ServiceProvider, @event, CancellationToken.None);
        }
        catch (DomainException ex) when (ex.Code is ErrorCode.NotFound)
        {
            // Gone between the event and its delivery.
            return null;
        }
    }

    /// <summary>Everything waiting now; with a key, each key once (its latest position), since the payload is read fresh anyway.</summary>
    private static List<TEvent> Drain<TEvent>(ChannelReader<PnxEvent> reader, Func<TEvent, object>? key)
        where TEvent : PnxEvent
    {
        var batch = new List<TEvent>();
        while (reader.TryRead(out var item))
        {
            batch.Add((TEvent)item);
        }

        if (key is null || batch.Count < 2)
        {
            return batch;
        }

        var seen = new HashSet<object>();
        var result = new List<TEvent>(batch.Count);
        for (var i = batch.Count - 1; i >= 0; i--)
        {
            if (seen.Add(key(batch[i])))
            {
                result.Add(batch[i]);
            }
        }

        result.Reverse();
        return result;
    }
}
