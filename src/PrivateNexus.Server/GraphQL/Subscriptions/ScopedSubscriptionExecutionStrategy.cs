using GraphQL;
using GraphQL.Execution;

namespace PrivateNexus.Server.GraphQL.Subscriptions;

/// <summary>
/// Resolves each subscription event in its own DI scope (its own DbContext and batch loaders), made
/// for that event by <see cref="EventStreams"/>: events are resolved concurrently, and one
/// long-lived scope per subscription would share a DbContext between them and grow its tracker.
/// </summary>
public sealed class ScopedSubscriptionExecutionStrategy() : SubscriptionExecutionStrategy(new SerialExecutionStrategy())
{
    protected override async ValueTask<ExecutionResult> ProcessDataAsync(global::GraphQL.Execution.ExecutionContext context, ExecutionNode node, object? value)
    {
        if (value is not ScopedEvent scoped)
        {
            return await base.ProcessDataAsync(context, node, value);
        }

        await using (scoped.Scope)
        {
            context.RequestServices = scoped.Scope.ServiceProvider;
            return await base.ProcessDataAsync(context, node, scoped.Payload);
        }
    }
}
