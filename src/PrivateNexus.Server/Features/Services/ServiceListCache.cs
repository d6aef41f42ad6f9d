using Microsoft.Extensions.Caching.Memory;
using PrivateNexus.Server.Data;

namespace PrivateNexus.Server.Features.Services;

/// <summary>
/// Service lists as last read from the database, reused for as long as the database says nothing
/// they depend on has changed. Every list request still asks the database — for one number, the
/// <see cref="ChangeStamps.Services"/> stamp that triggers bump in the same transaction as any
/// change of a service or of a client's status, from any replica or any SQL session — so a list is
/// never staler than a fresh read would be, with or without Redis. What it saves is reading and
/// materialising a page of rows on the dashboard's busiest, mostly unchanging read.
/// </summary>
/// <remarks>
/// Entries are keyed by the stamp plus everything the rows depend on (who may see which clients,
/// the filter, the page); an entry of an older stamp is never hit again and ages out. The cached
/// services are shared between requests: callers must treat them as read-only.
/// </remarks>
public sealed class ServiceListCache(ChangeStampReader stamps) : IDisposable
{
    // Bounded by the services held, not the entries: a page holds at most a hundred, a status filter's
    // candidate list up to ten thousand.
    private const int MaxRows = 25_600;
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(1);

    private readonly MemoryCache _lists = new(new MemoryCacheOptions { SizeLimit = MaxRows });

    private long _hits;
    private long _misses;

    /// <summary>Lists served from the cache (the stamp had not moved).</summary>
    public long Hits => Interlocked.Read(ref _hits);

    /// <summary>Lists read from the database.</summary>
    public long Misses => Interlocked.Read(ref _misses);

    /// <param name="rows">How many services the loaded value holds (its size against the cache's bound).</param>
    public async Task<T> GetOrLoadAsync<T>(PnxDbContext db, object key, Func<Task<T>> load, Func<T, int> rows, CancellationToken cancellationToken)
        where T : class
    {
        // Inside a transaction the stamp may count the transaction's own uncommitted writes: a copy
        // filed under it could outlive a rollback. Such callers read the database directly.
        if (db.Database.CurrentTransaction is not null)
        {
            Interlocked.Increment(ref _misses);
            return await load();
        }

        // Read before the rows: rows read after it are at least as new as the stamp they are filed under.
        if (await stamps.ReadAsync(db, ChangeStamps.Services, cancellationToken) is not { } stamp)
        {
            // No stamp row (removed by hand): nothing can say when a copy goes stale, so keep none.
            Interlocked.Increment(ref _misses);
            return await load();
        }

        var stamped = new StampedKey(stamp, key);
        if (_lists.TryGetValue(stamped, out T? cached) && cached is not null)
        {
            Interlocked.Increment(ref _hits);
            return cached;
        }

        Interlocked.Increment(ref _misses);
        var loaded = await load();
        _lists.Set(stamped, loaded, new MemoryCacheEntryOptions { Size = Math.Max(1, rows(loaded)), AbsoluteExpirationRelativeToNow = Lifetime });
        return loaded;
    }

    public void Dispose() => _lists.Dispose();

    private sealed record StampedKey(long Stamp, object Key);
}
