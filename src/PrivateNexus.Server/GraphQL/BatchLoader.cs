using System.Runtime.ExceptionServices;
using GraphQL;
using GraphQL.DataLoader;

namespace PrivateNexus.Server.GraphQL;

/// <summary>
/// Collects the keys that sibling fields ask for and fetches them in one call when the executor
/// first needs a value, so nested lists cost one query per level rather than one per parent.
/// One instance per request and purpose (see <see cref="BatchLoaders"/>).
/// </summary>
public sealed class BatchLoader<TKey, TValue>(Func<IReadOnlyCollection<TKey>, CancellationToken, Task<IReadOnlyDictionary<TKey, TValue>>> fetch)
    where TKey : notnull
{
    private readonly HashSet<TKey> _pending = [];
    private readonly Dictionary<TKey, TValue> _loaded = [];

    // A failed fetch fails every key it was for, not only the first one asked: the rest would
    // otherwise read as "nothing there" (null, 0) instead of as the error they are.
    private readonly Dictionary<TKey, ExceptionDispatchInfo> _failed = [];

    public IDataLoaderResult<TValue?> Load(TKey key)
    {
        if (!_loaded.ContainsKey(key))
        {
            _pending.Add(key);
        }

        return new Result(this, key);
    }

    private async Task<TValue?> GetAsync(TKey key, CancellationToken cancellationToken)
    {
        if (_pending.Count > 0 && !_loaded.ContainsKey(key))
        {
            var keys = _pending.ToList();
            _pending.Clear();
            IReadOnlyDictionary<TKey, TValue> values;
            try
            {
                values = await fetch(keys, cancellationToken);
            }
            catch (Exception ex) when (!(ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
            {
                var failure = ExceptionDispatchInfo.Capture(ex);
                foreach (var k in keys)
                {
                    _failed[k] = failure;
                }

                throw;
            }

            foreach (var k in keys)
            {
                _loaded[k] = values.TryGetValue(k, out var v) ? v : default!;
                _failed.Remove(k);
            }
        }

        if (_failed.TryGetValue(key, out var failed))
        {
            // GraphQL.NET stamps an ExecutionError with the path of the field it fails: each field gets its own.
            if (failed.SourceException is ExecutionError error)
            {
                throw new ExecutionError(error.Message, error) { Code = error.Code };
            }

            failed.Throw();
        }

        return _loaded.TryGetValue(key, out var value) ? value : default;
    }

    private sealed class Result(BatchLoader<TKey, TValue> loader, TKey key) : IDataLoaderResult<TValue?>
    {
        public Task<TValue?> GetResultAsync(CancellationToken cancellationToken = default) => loader.GetAsync(key, cancellationToken);

        async Task<object?> IDataLoaderResult.GetResultAsync(CancellationToken cancellationToken) => await GetResultAsync(cancellationToken);
    }
}

/// <summary>The request's loaders, created on first use and keyed by name.</summary>
public sealed class BatchLoaders
{
    private readonly Dictionary<string, object> _loaders = new(StringComparer.Ordinal);

    public BatchLoader<TKey, TValue> Get<TKey, TValue>(string name, Func<IReadOnlyCollection<TKey>, CancellationToken, Task<IReadOnlyDictionary<TKey, TValue>>> fetch)
        where TKey : notnull
    {
        if (!_loaders.TryGetValue(name, out var loader))
        {
            loader = new BatchLoader<TKey, TValue>(fetch);
            _loaders[name] = loader;
        }

        return (BatchLoader<TKey, TValue>)loader;
    }
}

public static class DataLoaderResultExtensions
{
    /// <summary>Transforms a pending batched value once it is loaded.</summary>
    public static IDataLoaderResult<TOut> Map<TIn, TOut>(this IDataLoaderResult<TIn> source, Func<TIn, TOut> map) => new Mapped<TIn, TOut>(source, map);

    private sealed class Mapped<TIn, TOut>(IDataLoaderResult<TIn> source, Func<TIn, TOut> map) : IDataLoaderResult<TOut>
    {
        public async Task<TOut> GetResultAsync(CancellationToken cancellationToken = default) => map(await source.GetResultAsync(cancellationToken));

        async Task<object?> IDataLoaderResult.GetResultAsync(CancellationToken cancellationToken) => await GetResultAsync(cancellationToken);
    }
}
