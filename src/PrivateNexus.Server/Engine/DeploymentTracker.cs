using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PrivateNexus.Server.Authorization;
using PrivateNexus.Server.Common;
using PrivateNexus.Server.Data;
using PrivateNexus.Server.Features.Deployments;
using PrivateNexus.Server.Features.Services;

namespace PrivateNexus.Server.Engine;

/// <summary>
/// After each reconcile pass, moves the node's open deployments along: picked up, steps taken,
/// succeeded when the service converged, and — when a new revision does not run healthy within the
/// rollout timeout — rolled back automatically to the last revision that did.
/// </summary>
public sealed class DeploymentTracker(
    PnxDbContext db, StateMirror mirror, IServiceProvider services, IOptions<EngineOptions> options, TimeProvider time, ILogger<DeploymentTracker> logger)
{
    private const int MaxSteps = 50;

    /// <param name="swarmRolledBack">Services whose new revision Swarm itself rolled back in this pass (their tasks failed): the deployment ends now.</param>
    public async Task TrackAsync(
        Guid nodeId,
        IReadOnlyList<DesiredService> desired,
        IReadOnlyDictionary<Guid, List<string>> steps,
        IReadOnlyDictionary<Guid, string> swarmRolledBack,
        CancellationToken cancellationToken)
    {
        var ids = desired.Select(s => s.Id).ToList();
        var open = await db.Deployments
            .Where(d => ids.Contains(d.ServiceId) && (d.Status == DeploymentStatus.Pending || d.Status == DeploymentStatus.InProgress))
            .ToListAsync(cancellationToken);
        var rollbacks = new List<(Guid Service, int ToRevision)>();
        foreach (var deployment in open)
        {
            var service = desired.First(s => s.Id == deployment.ServiceId);

            // Opened after this pass read the services: it belongs to the next pass, not to what this one saw.
            if (deployment.Revision != service.Revision || deployment.RestartGeneration != service.RestartGeneration)
            {
                continue;
            }

            var now = time.Now();
            if (deployment.Status == DeploymentStatus.Pending)
            {
                deployment.Status = DeploymentStatus.InProgress;
                deployment.StartedAt = now;
                Step(deployment, now, "The reconciler picked it up.");
            }

            foreach (var message in steps.GetValueOrDefault(service.Id) ?? [])
            {
                Step(deployment, now, message);
                deployment.Progress = message;
            }

            if (Converged(nodeId, service))
            {
                deployment.Status = DeploymentStatus.Succeeded;
                deployment.FinishedAt = now;
                Step(deployment, now, service.Run ? $"Revision {service.Revision} runs ({service.Spec.Replicas} replica(s))." : "Stopped.");
                continue;
            }

            var rejected = swarmRolledBack.GetValueOrDefault(service.Id);
            if (rejected is null && now - deployment.StartedAt < options.Value.RolloutTimeout)
            {
                continue;
            }

            var previous = service.Run && deployment.Kind is DeploymentKind.Update or DeploymentKind.Rollback or DeploymentKind.Restart
                ? await LastGoodRevisionAsync(service, cancellationToken)
                : null;
            deployment.FinishedAt = now;
            if (previous is { } revision && revision != service.Revision)
            {
                deployment.Status = DeploymentStatus.RolledBack;
                deployment.Error = rejected is null
                    ? $"Revision {service.Revision} did not run healthy within {options.Value.RolloutTimeout}; rolled back to revision {revision}."
                    : $"{rejected} Rolled back to revision {revision}.";
                rollbacks.Add((service.Id, revision));
            }
            else
            {
                deployment.Status = DeploymentStatus.Failed;
                deployment.Error = rejected ?? $"The service did not converge within {options.Value.RolloutTimeout}.";
            }

            Step(deployment, now, deployment.Error);
        }

        await db.SaveChangesAsync(cancellationToken);
        foreach (var (serviceId, revision) in rollbacks)
        {
            await RollBackAsync(serviceId, revision, cancellationToken);
        }
    }

    /// <summary>Every replica of the wanted revision runs (healthy, if checked) and nothing older is left; or, stopped, nothing runs.</summary>
    private bool Converged(Guid nodeId, DesiredService service)
    {
        var containers = mirror.ContainersOf(nodeId, service.Id);
        if (!service.Run)
        {
            return containers.All(c => !c.Running);
        }

        if (service.Swarm)
        {
            // N tasks of the new revision run, and nothing else does. (Swarm keeps the stopped
            // containers of finished tasks a while; the reconciler removes them once converged.)
            var tasks = containers.Where(c => Reconciler.IsCurrentTask(c, service) && c.Running && (service.Spec.HealthCheck is null || c.Health == "healthy")).ToList();
            return tasks.Count == service.Spec.Replicas && containers.All(c => tasks.Contains(c) || (c.SwarmService is not null && !c.Running));
        }

        var current = containers.Where(c => c.Revision == service.Revision && c.RestartGeneration == service.RestartGeneration && c.Replica < service.Spec.Replicas).ToList();
        return current.Count == service.Spec.Replicas
            && current.All(c => c.Running && (service.Spec.HealthCheck is null || c.Health == "healthy"))
            && containers.Count == current.Count;
    }

    private async Task<int?> LastGoodRevisionAsync(DesiredService service, CancellationToken cancellationToken) =>
        await db.Deployments.AsNoTracking()
            .Where(d => d.ServiceId == service.Id && d.Status == DeploymentStatus.Succeeded && d.Revision != service.Revision)
            .OrderByDescending(d => d.CreatedAt)
            .Select(d => (int?)d.Revision)
            .FirstOrDefaultAsync(cancellationToken);

    /// <summary>Writes the rollback as a new revision through the service rules, acting as the reconciler (audited as such).</summary>
    private async Task RollBackAsync(Guid serviceId, int revision, CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentActor>().Set(Reconciler.ReconcilerActor);
        try
        {
            await scope.ServiceProvider.GetRequiredService<ServiceManager>().RollbackAsync(serviceId, revision, DeploymentKind.AutoRollback, cancellationToken);
            logger.LogWarning("Service {Service} rolled back automatically to revision {Revision}", serviceId, revision);
        }
        catch (DomainException ex)
        {
            logger.LogWarning("Automatic rollback of {Service} to revision {Revision} was refused: {Reason}", serviceId, revision, ex.Message);
        }
    }

    private static void Step(Deployment deployment, DateTimeOffset now, string message) =>
        deployment.Steps = [.. deployment.Steps.TakeLast(MaxSteps - 1), new DeploymentStep(now, message)];
}
