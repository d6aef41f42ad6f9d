using System.Collections.Concurrent;
using PrivateNexus.Server.Events;

namespace PrivateNexus.Server.GraphQL.WebSockets;

/// <summary>
/// The open sockets of this replica, by the user or application they act for: enforces the
/// per-user connection limit and, when a principal or API token changes anywhere (a bus event),
/// tells exactly that principal's sockets to re-check their credential — one bus listener for all
/// sockets instead of one per socket.
/// </summary>
public sealed class ConnectionRegistry : IDisposable
{
    private readonly ConcurrentDictionary<string, HashSet<GraphQLWsConnection>> _bySubject = new(StringComparer.Ordinal);
    private readonly IDisposable _listener;
    private int _count;

    public ConnectionRegistry(EventBus bus)
    {
        _listener = bus.Listen(e =>
        {
            switch (e)
            {
                case PrincipalChanged change:
                    foreach (var connection in Of(change.Id))
                    {
                        connection.RecheckSoon();
                    }

                    break;
                case ApiTokenChanged:
                    // Rare: every socket signed in with an API token re-validates it (the revoked one fails).
                    foreach (var connection in All().Where(c => c.UsesApiToken))
                    {
                        connection.RecheckSoon();
                    }

                    break;
            }
        });
    }

    public int Count => Volatile.Read(ref _count);

    /// <summary>Adds the socket under its subject unless that subject already has <paramref name="limit"/> open.</summary>
    public bool TryAdd(string subject, GraphQLWsConnection connection, int limit)
    {
        var set = _bySubject.GetOrAdd(subject, _ => []);
        lock (set)
        {
            if (set.Count >= limit)
            {
                return false;
            }

            set.Add(connection);
        }

        Interlocked.Increment(ref _count);
        return true;
    }

    public void Remove(string subject, GraphQLWsConnection connection)
    {
        if (_bySubject.TryGetValue(subject, out var set))
        {
            lock (set)
            {
                if (set.Remove(connection))
                {
                    Interlocked.Decrement(ref _count);
                }
            }
        }
    }

    public void Dispose() => _listener.Dispose();

    private List<GraphQLWsConnection> Of(string subject)
    {
        if (!_bySubject.TryGetValue(subject, out var set))
        {
            return [];
        }

        lock (set)
        {
            return [.. set];
        }
    }

    private List<GraphQLWsConnection> All() => [.. _bySubject.Keys.SelectMany(Of)];
}
