using GraphQL;
using GraphQL.DI;
using GraphQLParser.AST;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using PrivateNexus.Server.Hosting;

namespace PrivateNexus.Server.GraphQL;

/// <summary>
/// Keeps parsed documents that passed validation, keyed by query text, in a bounded cache, so a
/// repeated query skips parsing and the schema-only validation rules (the bulk of GraphQL.NET's
/// per-request cost). Rules that depend on the caller or the request run every time (they are in
/// <see cref="ExecutionOptions.CachedDocumentValidationRules"/>).
/// </summary>
public sealed class DocumentCache(IOptions<PnxOptions> options) : IConfigureExecution, IDisposable
{
    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = options.Value.GraphQL.DocumentCacheSize });

    public float SortOrder => 200;

    public async Task<ExecutionResult> ExecuteAsync(ExecutionOptions options, ExecutionDelegate next)
    {
        if (options.Document is not null || options.Query is null)
        {
            return await next(options);
        }

        if (_cache.TryGetValue(options.Query, out GraphQLDocument? cached))
        {
            options.Document = cached;
            options.ValidationRules = options.CachedDocumentValidationRules ?? [];
            return await next(options);
        }

        // The executer parses into the result, not into options.Document (which stays null here).
        var result = await next(options);
        if (result.Executed && result.Document is not null)
        {
            _cache.Set(options.Query, result.Document, new MemoryCacheEntryOptions { Size = 1, SlidingExpiration = TimeSpan.FromHours(1) });
        }

        return result;
    }

    public void Dispose() => _cache.Dispose();
}
