using Microsoft.EntityFrameworkCore;
using PrivateNexus.Server.Authorization;
using PrivateNexus.Server.Common;
using PrivateNexus.Server.Data;
using PrivateNexus.Server.Features.Audit;
using PrivateNexus.Server.Features.Services;

namespace PrivateNexus.Server.Features.Deployments;

/// <summary>A deployment with the name of its service, for lists across services.</summary>
public sealed record RecentDeployment(Deployment Deployment, string ServiceName);

/// <summary>Reading deployments (as the service's readers may) and opening them with each change.</summary>
public sealed class DeploymentService(PnxDbContext db, Rulebook rules, TimeProvider time)
{
    public async Task<Deployment> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        var deployment = await db.Deployments.AsNoTracking().SingleOrDefaultAsync(d => d.Id == id, cancellationToken);
        await rules.RequireClientAsync(deployment?.ClientId ?? Guid.Empty, Permission.ServiceRead, AuditTarget.Of("deployment", id, deployment?.ClientId), "Deployment", cancellationToken);
        return deployment ?? throw DomainException.NotFound("Deployment");
    }

    /// <summary>For pushed events: the deployment if the caller may read its service now, else null (nothing audited).</summary>
    public async Task<Deployment?> FindVisibleAsync(Guid id, CancellationToken cancellationToken)
    {
        var actor = await rules.ActorAsync(cancellationToken);
        var deployment = await db.Deployments.AsNoTracking().SingleOrDefaultAsync(d => d.Id == id, cancellationToken);
        return deployment is not null && ServiceManager.MayRead(actor, deployment.ClientId) ? deployment : null;
    }

    /// <summary>Newest first. The caller has already been allowed to read the service.</summary>
    public async Task<Page<Deployment>> ForServiceAsync(Guid serviceId, PageRequest page, CancellationToken cancellationToken) =>
        await db.Deployments.AsNoTracking()
            .Where(d => d.ServiceId == serviceId)
            .OrderByDescending(d => d.CreatedAt).ThenByDescending(d => d.Id)
            .ToPageAsync(page, cancellationToken);

    /// <summary>
    /// Newest first, across every service the caller may read (the dashboard's deployments page);
    /// <paramref name="openOnly"/> keeps those still pending or in progress.
    /// </summary>
    public async Task<Page<RecentDeployment>> RecentAsync(bool openOnly, PageRequest page, CancellationToken cancellationToken)
    {
        var visible = await rules.ClientsAllowingAsync(Permission.ServiceRead, cancellationToken);
        var deployments = db.Deployments.AsNoTracking();
        if (visible is not null)
        {
            deployments = deployments.Where(d => visible.Contains(d.ClientId));
        }

        if (openOnly)
        {
            deployments = deployments.Where(d => d.Status == DeploymentStatus.Pending || d.Status == DeploymentStatus.InProgress);
        }

        var rows = await deployments
            .Join(db.Services, d => d.ServiceId, s => s.Id, (d, s) => new { Deployment = d, s.Name })
            .OrderByDescending(r => r.Deployment.CreatedAt).ThenByDescending(r => r.Deployment.Id)
            .ToPageAsync(page, cancellationToken);
        return new Page<RecentDeployment>([.. rows.Items.Select(r => new RecentDeployment(r.Deployment, r.Name))], rows.Offset, rows.HasNextPage, rows.TotalCount);
    }

    /// <summary>The newest deployment of each service, in one query (nested <c>latestDeployment</c>).</summary>
    public async Task<IReadOnlyDictionary<Guid, Deployment>> LatestAsync(IReadOnlyCollection<Guid> serviceIds, CancellationToken cancellationToken)
    {
        var rows = await db.Deployments.AsNoTracking()
            .Where(d => serviceIds.Contains(d.ServiceId))
            .GroupBy(d => d.ServiceId)
            .Select(g => g.OrderByDescending(d => d.CreatedAt).ThenByDescending(d => d.Id).First())
            .ToListAsync(cancellationToken);
        return rows.ToDictionary(d => d.ServiceId);
    }

    /// <summary>
    /// Stages a deployment for a change in the caller's unit of work (it commits with the change);
    /// open deployments of the same service are superseded by it.
    /// </summary>
    public async Task<Deployment> OpenAsync(Service service, DeploymentKind kind, string? actor, CancellationToken cancellationToken)
    {
        var now = time.Now();
        var open = await db.Deployments
            .Where(d => d.ServiceId == service.Id && (d.Status == DeploymentStatus.Pending || d.Status == DeploymentStatus.InProgress))
            .ToListAsync(cancellationToken);
        foreach (var previous in open)
        {
            previous.Status = DeploymentStatus.Superseded;
            previous.FinishedAt = now;
            previous.Steps = [.. previous.Steps, new DeploymentStep(now, $"Superseded by a {kind.ToString().ToLowerInvariant()}.")];
        }

        var deployment = new Deployment
        {
            ServiceId = service.Id,
            ClientId = service.ClientId,
            Kind = kind,
            Revision = service.Revision,
            RestartGeneration = service.RestartGeneration,
            Status = DeploymentStatus.Pending,
            CreatedBy = actor,
            CreatedAt = now,
            Steps = [new DeploymentStep(now, $"{kind} requested (revision {service.Revision}).")],
        };
        db.Deployments.Add(deployment);
        return deployment;
    }
}
