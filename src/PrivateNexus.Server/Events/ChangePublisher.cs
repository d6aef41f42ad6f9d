using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using PrivateNexus.Server.Features.Audit;
using PrivateNexus.Server.Features.Deployments;
using PrivateNexus.Server.Features.Nodes;
using PrivateNexus.Server.Features.Services;

namespace PrivateNexus.Server.Events;

/// <summary>
/// Publishes what a unit of work changed — services, deployments, nodes, audit events, alert transitions — once it has
/// committed, and only then: a subscriber never hears of a change that was rolled back. One
/// interceptor instead of a publish call beside every SaveChanges, so no write path can forget it.
/// </summary>
public sealed class ChangePublisher(EventBus bus) : SaveChangesInterceptor
{
    private readonly ConditionalWeakTable<DbContext, List<PnxEvent>> _pending = [];

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        Collect(eventData.Context);
        return result;
    }

    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(
        DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Collect(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public override int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        Flush(eventData.Context);
        return result;
    }

    public override ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        Flush(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public override void SaveChangesFailed(DbContextErrorEventData eventData) => Discard(eventData.Context);

    public override Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Discard(eventData.Context);
        return Task.CompletedTask;
    }

    private void Collect(DbContext? context)
    {
        if (context is null)
        {
            return;
        }

        var events = new List<PnxEvent>();
        foreach (var entry in context.ChangeTracker.Entries())
        {
            if (entry.State is not (EntityState.Added or EntityState.Modified or EntityState.Deleted))
            {
                continue;
            }

            PnxEvent? @event = entry.Entity switch
            {
                Service s => new ServiceChanged(s.Id, s.ClientId, entry.State == EntityState.Deleted),
                Deployment d when entry.State != EntityState.Deleted => new DeploymentChanged(d.Id, d.ServiceId, d.ClientId),
                Node n => new NodeChanged(n.Id),
                AuditEvent a when entry.State == EntityState.Added => new AuditEventAdded(a.Id, a.ClientId),
                Features.Alerts.AlertTransition t when entry.State == EntityState.Added => new AlertChanged(t.AlertId, t.ClientId),
                _ => null,
            };
            if (@event is not null)
            {
                events.Add(@event);
            }
        }

        // Pooled contexts are reused: what a failed or earlier save left behind is replaced.
        _pending.AddOrUpdate(context, events);
    }

    private void Flush(DbContext? context)
    {
        if (context is null || !_pending.TryGetValue(context, out var events))
        {
            return;
        }

        _pending.Remove(context);
        foreach (var @event in events.Distinct())
        {
            bus.Publish(@event);
        }
    }

    private void Discard(DbContext? context)
    {
        if (context is not null)
        {
            _pending.Remove(context);
        }
    }
}
