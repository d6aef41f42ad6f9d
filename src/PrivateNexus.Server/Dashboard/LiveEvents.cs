using PrivateNexus.Server.Events;

namespace PrivateNexus.Server.Dashboard;

/// <summary>
/// A component's subscription to the event bus: events matching <c>match</c> (cheap, ids only) wake
/// <c>onChange</c>, which reloads through the feature services — so what is shown is re-checked by the
/// rulebook on every update, as GraphQL subscriptions re-check each delivery. Bursts are coalesced: a
/// reload covers everything that arrived before it. A subscriber that falls a whole queue behind is
/// ended by the bus; this one then simply resubscribes and reloads.
/// </summary>
public sealed class LiveEvents : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    private LiveEvents(EventBus bus, Func<PnxEvent, bool> match, Func<Task> onChange, ILogger logger)
    {
        _loop = Task.Run(() => RunAsync(bus, match, onChange, logger));
    }

    public static LiveEvents Start(EventBus bus, Func<PnxEvent, bool> match, Func<Task> onChange, ILogger logger) =>
        new(bus, match, onChange, logger);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            // Bounded: a refresh in flight finishes on the page's renderer, which may be the one disposing us.
            await _loop.WaitAsync(TimeSpan.FromSeconds(2));
        }
        catch (Exception ex) when (ex is OperationCanceledException or TimeoutException)
        {
        }

        if (_loop.IsCompleted)
        {
            _stop.Dispose();
        }
    }

    private async Task RunAsync(EventBus bus, Func<PnxEvent, bool> match, Func<Task> onChange, ILogger logger)
    {
        while (!_stop.IsCancellationRequested)
        {
            using var subscription = bus.Subscribe(match, capacity: 256);
            try
            {
                while (await subscription.Reader.WaitToReadAsync(_stop.Token))
                {
                    while (subscription.Reader.TryRead(out _))
                    {
                    }

                    try
                    {
                        await onChange();
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        // The page shows its own error state; a failed refresh must not end live updates.
                        logger.LogWarning(ex, "A dashboard live refresh failed");
                    }
                }

                return;
            }
            catch (SlowSubscriberException)
            {
                await onChange();
            }
        }
    }
}
