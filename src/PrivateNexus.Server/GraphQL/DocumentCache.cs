using GraphQL;
using GraphQL.DI;
using GraphQL.Validation;
using GraphQLParser.AST;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using PrivateNexus.Server.Hosting;

namespace PrivateNexus.Server.GraphQL;

/// <summary>
/// Keeps parsed documents that passed validation, keyed by query text, in a bounded cache, so a
/// repeated query skips parsing and the schema-only validation rules (the bulk of GraphQL.NET's
/// per-request cost). Rules that depend on the caller or the request run every time they apply (they
/// are in <see cref="ExecutionOptions.CachedDocumentValidationRules"/>; see <see cref="ICachedDocumentRule"/>).
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

        if (_cache.TryGetValue(options.Query, out GraphQLDocument? cached) && cached is not null)
        {
            options.Document = cached;
            options.ValidationRules = RulesThatApply(options, cached);
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

    /// <summary>The per-request rules, less those that say they have nothing to check for this request.</summary>
    private static List<IValidationRule> RulesThatApply(ExecutionOptions options, GraphQLDocument document)
    {
        var rules = new List<IValidationRule>();
        foreach (var rule in options.CachedDocumentValidationRules ?? [])
        {
            if (rule is not ICachedDocumentRule conditional || conditional.AppliesTo(options, document))
            {
                rules.Add(rule);
            }
        }

        return rules;
    }
}
