using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using GraphQL;
using GraphQL.DataLoader;
using GraphQL.Execution;
using GraphQL.Types;
using GraphQLParser.AST;
using ExecutionContext = GraphQL.Execution.ExecutionContext;

namespace PrivateNexus.Server.GraphQL;

/// <summary>
/// GraphQL.NET's serial strategy, except that it collects a selection set's fields once per object
/// type instead of once per object. A page of a hundred services with their instances otherwise
/// walks the same two selection sets two hundred times per request (the profile's
/// <c>CollectFieldsFrom</c>); parsed documents are cached (<see cref="DocumentCache"/>), so the
/// collected fields live exactly as long as their document.
/// </summary>
/// <remarks>
/// Which fields a selection set yields depends only on the document and the schema — unless
/// <c>@skip</c>/<c>@include</c> (or any directive, on a field or a fragment) takes a request's
/// variables into account, so a document with any directive keeps GraphQL.NET's per-object collection.
/// <para>
/// It also resolves a scalar field whose resolver answers at once (a property, the mirror) without
/// GraphQL.NET's two asynchronous steps per field (execute, then complete): the same resolver, the
/// same serialization and null check and the same error handling, done in line. Those steps were
/// most of the engine's time on a page where nine fields in ten are scalars.
/// </para>
/// </remarks>
public sealed class CachingSerialExecutionStrategy : SerialExecutionStrategy
{
    private static readonly ConditionalWeakTable<GraphQLSelectionSet, ConcurrentDictionary<IGraphType, CollectedField[]>> Collected = new();

    protected override void SetSubFieldNodes(ExecutionContext context, ObjectExecutionNode parent)
    {
        if (HasDirectives(context.Document) || parent.SelectionSet is not { } selectionSet)
        {
            base.SetSubFieldNodes(context, parent);
            return;
        }

        var parentType = parent.GetObjectGraphType(context.Schema) ?? parent.GraphType;
        var byType = Collected.GetValue(selectionSet, _ => new ConcurrentDictionary<IGraphType, CollectedField[]>());
        if (!byType.TryGetValue(parentType, out var fields))
        {
            fields = [.. CollectFieldsFrom(context, parentType, selectionSet, null).Values.Select(f => new CollectedField(f.field, f.fieldType))];
            byType.TryAdd(parentType, fields);
        }

        var subFields = new ExecutionNode[fields.Length];
        for (var i = 0; i < fields.Length; i++)
        {
            subFields[i] = BuildExecutionNode(parent, fields[i].Definition.ResolvedType!, fields[i].Field, fields[i].Definition);
        }

        parent.SubFields = subFields;
    }

    /// <summary>
    /// Whether the document uses any directive at all — on a field, a fragment spread or an inline
    /// fragment. Conservative on purpose: any '@' in the document's text (even inside a string
    /// argument) means "collect per object", so no directive can ever be overlooked.
    /// </summary>
    private static bool HasDirectives(GraphQLDocument document) =>
        (bool)DirectiveUse.GetValue(document, d => d.Source.Span.Contains('@'));

    private static readonly ConditionalWeakTable<GraphQLDocument, object> DirectiveUse = new();

    protected override Task ExecuteNodeAsync(ExecutionContext context, ExecutionNode node)
    {
        // List items were completed with their list; the root has nothing to resolve.
        if (node is not ValueExecutionNode leaf || node.Parent is ArrayExecutionNode)
        {
            return base.ExecuteNodeAsync(context, node);
        }

        context.CancellationToken.ThrowIfCancellationRequested();
        ValueTask<object?> pending;
        try
        {
            pending = SelectResolver(leaf, context).ResolveAsync(new ReadonlyResolveFieldContext(leaf, context));
            if (pending.IsCompletedSuccessfully)
            {
                CompleteLeaf(context, leaf, pending.Result);
                return Task.CompletedTask;
            }
        }
        catch (Exception ex) when (!(ex is OperationCanceledException && context.CancellationToken.IsCancellationRequested))
        {
            return FailAsync(context, leaf, ex);
        }

        return CompleteLeafAsync(context, leaf, pending);
    }

    private async Task CompleteLeafAsync(ExecutionContext context, ValueExecutionNode leaf, ValueTask<object?> pending)
    {
        try
        {
            CompleteLeaf(context, leaf, await pending);
        }
        catch (Exception ex) when (!(ex is OperationCanceledException && context.CancellationToken.IsCancellationRequested))
        {
            await FailAsync(context, leaf, ex);
        }
    }

    /// <summary>GraphQL.NET's completion of a scalar: serialize, then refuse null where the type forbids it.</summary>
    private void CompleteLeaf(ExecutionContext context, ValueExecutionNode leaf, object? result)
    {
        leaf.Result = result;

        // A data loader's answer is completed later, by the base strategy, once the loader has run.
        if (result is not IDataLoaderResult)
        {
            leaf.Result = leaf.GraphType.Serialize(result);
            ValidateNodeResult(context, leaf);
        }
    }

    /// <summary>GraphQL.NET's handling of a failed field: an error on the field, or rethrown if so configured.</summary>
    private async Task FailAsync(ExecutionContext context, ExecutionNode node, Exception ex)
    {
        if (ex is ExecutionError error)
        {
            SetNodeError(context, node, error);
        }
        else if (await ProcessNodeUnhandledExceptionAsync(context, node, ex))
        {
            ExceptionDispatchInfo.Throw(ex);
        }
    }

    private sealed record CollectedField(GraphQLField Field, FieldType Definition);
}
