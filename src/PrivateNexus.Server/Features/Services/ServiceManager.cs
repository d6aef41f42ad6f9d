using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PrivateNexus.Server.Authorization;
using PrivateNexus.Server.Common;
using PrivateNexus.Server.Data;
using PrivateNexus.Server.Engine;
using PrivateNexus.Server.Features.Audit;
using PrivateNexus.Server.Features.Clients;
using PrivateNexus.Server.Features.Deployments;

namespace PrivateNexus.Server.Features.Services;

/// <summary>
/// Services as desired state: every accepted change writes the spec, a new immutable revision and
/// an audit event in one transaction. The engine reconciler (separate feature) converges to it.
/// </summary>
public sealed class ServiceManager(
    PnxDbContext db,
    Rulebook rules,
    AuditLog audit,
    SpecValidator validator,
    ReconcileSignals signals,
    IOptions<EngineOptions> engine,
    DeploymentService deployments,
    ServiceRuntime runtime,
    ServiceListCache lists,
    TimeProvider time)
{
    /// <summary>Services as read for callers: with their client, whose status (suspended) decides the live status.</summary>
    private IQueryable<Service> ServicesWithClient => db.Services.Include(s => s.Client);

    /// <summary>A status filter reads this many services at most before filtering by live status.</summary>
    private const int MaxStatusFilterRows = 10_000;

    /// <summary>
    /// A page of the services the caller may read. The services may be shared with other requests
    /// (see <see cref="ServiceListCache"/>): read them, never change them.
    /// </summary>
    public async Task<Page<Service>> ListAsync(ServiceFilter filter, PageRequest page, CancellationToken cancellationToken)
    {
        var visible = await rules.ClientsAllowingAsync(Permission.ServiceRead, cancellationToken);
        var query = db.Services.AsNoTracking();
        if (visible is not null)
        {
            query = query.Where(s => visible.Contains(s.ClientId));
        }

        if (filter.ClientId is { } clientId)
        {
            query = query.Where(s => s.ClientId == clientId);
        }

        if (filter.NodeId is { } nodeId)
        {
            query = query.Where(s => s.NodeId == nodeId);
        }

        if (filter.DesiredState is { } state)
        {
            query = query.Where(s => s.DesiredState == state);
        }

        if (!string.IsNullOrWhiteSpace(filter.Search))
        {
            var term = filter.Search.Trim().ToLowerInvariant();
            query = query.Where(s => s.Name.Contains(term) || s.Image.ToLower().Contains(term));
        }

        query = (filter.Sort, filter.Descending) switch
        {
            (ServiceSort.CreatedAt, false) => query.OrderBy(s => s.CreatedAt).ThenBy(s => s.Id),
            (ServiceSort.CreatedAt, true) => query.OrderByDescending(s => s.CreatedAt).ThenBy(s => s.Id),
            (ServiceSort.UpdatedAt, false) => query.OrderBy(s => s.UpdatedAt).ThenBy(s => s.Id),
            (ServiceSort.UpdatedAt, true) => query.OrderByDescending(s => s.UpdatedAt).ThenBy(s => s.Id),
            (_, false) => query.OrderBy(s => s.Name).ThenBy(s => s.Id),
            (_, true) => query.OrderByDescending(s => s.Name).ThenBy(s => s.Id),
        };
        // Who may see which clients is part of the key: one caller's cached page is never another's.
        var audience = visible is null ? "*" : string.Join(',', visible.Order());
        if (filter.Status is not { } status)
        {
            return await lists.GetOrLoadAsync(db, (audience, filter, page), async () =>
            {
                var listed = await query.ToPageAsync(page, cancellationToken);
                await MarkSuspendedAsync(listed.Items, cancellationToken);
                return listed;
            }, listed => listed.Items.Count, cancellationToken);
        }

        // Live status lives in the mirror, not the database: filter the (already narrowed) list in memory.
        var all = await lists.GetOrLoadAsync(db, (audience, filter with { Status = null }), async () =>
        {
            var rows = await query.Take(MaxStatusFilterRows).ToListAsync(cancellationToken);
            await MarkSuspendedAsync(rows, cancellationToken);
            return rows;
        }, rows => rows.Count, cancellationToken);
        return all.Where(s => runtime.Status(s) == status).ToList().ToPage(page);
    }

    /// <summary>
    /// A list needs one fact of each service's client (suspended?), not its row. Suspended clients are
    /// few, so one small query for their ids beats joining (or including) the client on every row of a
    /// page — the busiest read of the dashboard.
    /// </summary>
    private async Task MarkSuspendedAsync(IReadOnlyCollection<Service> services, CancellationToken cancellationToken)
    {
        if (services.Count == 0)
        {
            return;
        }

        var suspended = await db.Clients.AsNoTracking()
            .Where(c => c.Status == ClientStatus.Suspended)
            .Select(c => c.Id)
            .ToListAsync(cancellationToken);
        foreach (var service in services)
        {
            service.ClientSuspended = suspended.Contains(service.ClientId);
        }
    }

    /// <summary>All services of many clients in one query (nested <c>client.services</c>), readable ones only.</summary>
    public async Task<ILookup<Guid, Service>> ListForClientsAsync(IReadOnlyCollection<Guid> clientIds, CancellationToken cancellationToken)
    {
        var visible = await rules.ClientsAllowingAsync(Permission.ServiceRead, cancellationToken);
        var wanted = visible is null ? clientIds : clientIds.Where(visible.Contains).ToList();
        var services = await db.Services.AsNoTracking()
            .Where(s => wanted.Contains(s.ClientId))
            .OrderBy(s => s.Name).ThenBy(s => s.Id)
            .ToListAsync(cancellationToken);
        await MarkSuspendedAsync(services, cancellationToken);
        return services.ToLookup(s => s.ClientId);
    }

    public async Task<Service> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        var service = await ServicesWithClient.AsNoTracking().SingleOrDefaultAsync(s => s.Id == id, cancellationToken);
        await rules.RequireClientAsync(service?.ClientId ?? Guid.Empty, Permission.ServiceRead, AuditTarget.Of("service", id, service?.ClientId), "Service", cancellationToken);
        return service ?? throw DomainException.NotFound("Service");
    }

    /// <summary>Whether the actor may read this client's services (checked again for every pushed event).</summary>
    public static bool MayRead(Actor actor, Guid clientId) => Rulebook.Allows(actor, Permission.ServiceRead, clientId);

    /// <summary>
    /// Checks a subscription to service changes — one service, one client's, or all the caller may read —
    /// as reading them is checked (refusals audited). Returns the client the subscription is narrowed to.
    /// </summary>
    public async Task<Guid?> AuthorizeWatchAsync(Guid? clientId, Guid? serviceId, CancellationToken cancellationToken)
    {
        if (serviceId is { } id)
        {
            var service = await GetAsync(id, cancellationToken);
            return clientId is { } asked && asked != service.ClientId ? throw DomainException.NotFound("Service") : service.ClientId;
        }

        if (clientId is { } client)
        {
            await rules.RequireClientAsync(client, Permission.ServiceRead, new("service", null, client), "Client", cancellationToken);
            return client;
        }

        await rules.ClientsAllowingAsync(Permission.ServiceRead, cancellationToken);
        return null;
    }

    /// <summary>
    /// For pushed events: the service if the caller may read it now, else null. A push is not a
    /// request, so there is nothing to refuse or audit — the subscriber simply is not told.
    /// </summary>
    public async Task<Service?> FindVisibleAsync(Guid id, CancellationToken cancellationToken)
    {
        var actor = await rules.ActorAsync(cancellationToken);
        var service = await ServicesWithClient.AsNoTracking().SingleOrDefaultAsync(s => s.Id == id, cancellationToken);
        return service is not null && MayRead(actor, service.ClientId) ? service : null;
    }

    public async Task<Page<ServiceRevision>> RevisionsAsync(Guid serviceId, PageRequest page, CancellationToken cancellationToken)
    {
        await GetAsync(serviceId, cancellationToken);
        return await db.ServiceRevisions.AsNoTracking()
            .Where(r => r.ServiceId == serviceId)
            .OrderByDescending(r => r.Revision)
            .ToPageAsync(page, cancellationToken);
    }

    public async Task<Service> CreateAsync(CreateServiceInput input, CancellationToken cancellationToken)
    {
        var actor = await rules.RequireClientAsync(input.ClientId, Permission.ServiceManage, new("service", null, input.ClientId), "Client", cancellationToken);
        var client = await ActiveClientAsync(input.ClientId, cancellationToken);
        var name = Validate.DnsLabel(input.Name, "name");
        var spec = validator.Build(input.Spec, previous: null);
        var nodeId = await PlaceAsync(actor, input.NodeId, cancellationToken);
        var others = await OtherSpecsAsync(client.Id, exceptServiceId: null, cancellationToken);
        var overridden = await CheckPolicyAsync(actor, input.PolicyOverride == true, client, others, spec, nodeId, null, cancellationToken);
        if (await db.Services.AnyAsync(s => s.ClientId == client.Id && s.Name == name, cancellationToken))
        {
            throw DomainException.Conflict($"The client already has a service named '{name}'.", "name");
        }

        var now = time.Now();
        var service = new Service
        {
            ClientId = client.Id,
            NodeId = nodeId,
            Name = name,
            Image = spec.Image,
            Spec = spec,
            Revision = 1,
            DesiredState = input.DesiredState ?? DesiredState.Running,
            CreatedAt = now,
            UpdatedAt = now,
            Version = 1,
        };
        db.Services.Add(service);
        AddRevision(service, actor, "create");
        await deployments.OpenAsync(service, DeploymentKind.Create, actor.Name, cancellationToken);
        audit.Add(actor, "service.create", AuditTarget.Of("service", service.Id, client.Id), new { service.Name, nodeId, spec = Redacted(spec), service.DesiredState, policyOverride = overridden });
        await SaveAsync(name, cancellationToken);
        signals.Converge(nodeId);
        return service;
    }

    /// <summary>A new revision with the given spec. Sending the current spec again changes nothing.</summary>
    public async Task<Service> UpdateAsync(UpdateServiceInput input, CancellationToken cancellationToken)
    {
        var (service, actor) = await LoadForAsync(input.Id, Permission.ServiceManage, cancellationToken);
        if (input.ExpectedRevision is { } expected && expected != service.Revision)
        {
            throw DomainException.Conflict($"The service is at revision {service.Revision}, not {expected}. Reload and try again.", "expectedRevision");
        }

        var client = await ActiveClientAsync(service.ClientId, cancellationToken);
        var spec = validator.Build(input.Spec, service.Spec);
        return await ApplySpecAsync(service, client, actor, spec, "update", DeploymentKind.Update, input.PolicyOverride == true, cancellationToken);
    }

    public Task<Service> RollbackAsync(Guid id, int toRevision, CancellationToken cancellationToken) =>
        RollbackAsync(id, toRevision, DeploymentKind.Rollback, cancellationToken);

    /// <summary>A new revision with an earlier one's spec; the reconciler uses it (as itself) for automatic rollbacks.</summary>
    internal async Task<Service> RollbackAsync(Guid id, int toRevision, DeploymentKind kind, CancellationToken cancellationToken)
    {
        var (service, actor) = await LoadForAsync(id, Permission.ServiceManage, cancellationToken);
        var client = await ActiveClientAsync(service.ClientId, cancellationToken);
        var target = await db.ServiceRevisions.AsNoTracking()
            .SingleOrDefaultAsync(r => r.ServiceId == id && r.Revision == toRevision, cancellationToken)
            ?? throw DomainException.BadInput("toRevision", $"Revision {toRevision} does not exist.");
        var reason = kind == DeploymentKind.AutoRollback ? $"auto-rollback:{toRevision}" : $"rollback:{toRevision}";
        // Restoring a spec that once ran: the reconciler (an automatic rollback) may bring it back even if
        // the policy has tightened since; people go through the policy like any other change.
        return await ApplySpecAsync(service, client, actor, target.Spec, reason, kind, kind == DeploymentKind.AutoRollback, cancellationToken);
    }

    public Task<Service> StartAsync(Guid id, CancellationToken cancellationToken) => SetDesiredStateAsync(id, DesiredState.Running, cancellationToken);

    public Task<Service> StopAsync(Guid id, CancellationToken cancellationToken) => SetDesiredStateAsync(id, DesiredState.Stopped, cancellationToken);

    public async Task<Guid> DeleteAsync(Guid id, CancellationToken cancellationToken)
    {
        var (service, actor) = await LoadForAsync(id, Permission.ServiceManage, cancellationToken);
        db.Services.Remove(service);
        audit.Add(actor, "service.delete", AuditTarget.Of("service", id, service.ClientId), new { service.Name });
        await db.SaveChangesAsync(cancellationToken);
        signals.Converge(service.NodeId);
        return id;
    }

    /// <summary>Replaces the service's containers with fresh ones (a new restart generation); the reconciler does it.</summary>
    public async Task<Service> RestartAsync(Guid id, CancellationToken cancellationToken)
    {
        var (service, actor) = await LoadForAsync(id, Permission.ServiceOperate, cancellationToken);
        if (service.DesiredState != DesiredState.Running)
        {
            throw DomainException.Conflict("The service is stopped; start it instead.");
        }

        await ActiveClientAsync(service.ClientId, cancellationToken);
        service.RestartGeneration++;
        service.UpdatedAt = time.Now();
        service.Version++;
        await deployments.OpenAsync(service, DeploymentKind.Restart, actor.Name, cancellationToken);
        audit.Add(actor, "service.restart", AuditTarget.Of("service", id, service.ClientId), new { service.RestartGeneration });
        await SaveAsync(service.Name, cancellationToken);
        signals.Converge(service.NodeId);
        return service;
    }

    private async Task<Service> SetDesiredStateAsync(Guid id, DesiredState state, CancellationToken cancellationToken)
    {
        var (service, actor) = await LoadForAsync(id, Permission.ServiceOperate, cancellationToken);
        if (service.DesiredState == state)
        {
            return service;
        }

        if (state == DesiredState.Running)
        {
            await ActiveClientAsync(service.ClientId, cancellationToken);
        }

        service.DesiredState = state;
        service.UpdatedAt = time.Now();
        service.Version++;
        await deployments.OpenAsync(service, state == DesiredState.Running ? DeploymentKind.Start : DeploymentKind.Stop, actor.Name, cancellationToken);
        audit.Add(actor, state == DesiredState.Running ? "service.start" : "service.stop", AuditTarget.Of("service", id, service.ClientId));
        await SaveAsync(service.Name, cancellationToken);
        signals.Converge(service.NodeId);
        return service;
    }

    private async Task<Service> ApplySpecAsync(
        Service service, Client client, Actor actor, ServiceSpec spec, string reason, DeploymentKind kind, bool policyOverride, CancellationToken cancellationToken)
    {
        if (SameSpec(service.Spec, spec))
        {
            return service;
        }

        var others = await OtherSpecsAsync(client.Id, service.Id, cancellationToken);
        var overridden = await CheckPolicyAsync(actor, policyOverride, client, others, spec, service.NodeId, service.Id, cancellationToken);
        service.Spec = spec;
        service.Image = spec.Image;
        service.Revision++;
        service.UpdatedAt = time.Now();
        service.Version++;
        AddRevision(service, actor, reason);
        await deployments.OpenAsync(service, kind, actor.Name, cancellationToken);
        audit.Add(actor, "service.update", AuditTarget.Of("service", service.Id, client.Id), new { reason, service.Revision, spec = Redacted(spec), policyOverride = overridden });
        await SaveAsync(service.Name, cancellationToken);
        signals.Converge(service.NodeId);
        return service;
    }

    private async Task<(Service Service, Actor Actor)> LoadForAsync(Guid id, Permission permission, CancellationToken cancellationToken)
    {
        var service = await ServicesWithClient.SingleOrDefaultAsync(s => s.Id == id, cancellationToken);
        var actor = await rules.RequireClientAsync(service?.ClientId ?? Guid.Empty, permission, AuditTarget.Of("service", id, service?.ClientId), "Service", cancellationToken);
        return (service ?? throw DomainException.NotFound("Service"), actor);
    }

    private async Task<Client> ActiveClientAsync(Guid clientId, CancellationToken cancellationToken)
    {
        var client = await db.Clients.AsNoTracking().SingleOrDefaultAsync(c => c.Id == clientId, cancellationToken) ?? throw DomainException.NotFound("Client");
        return client.Status == ClientStatus.Active ? client : throw DomainException.Conflict("The client is suspended; its services cannot be changed or started.");
    }

    /// <summary>Staff may choose a node; otherwise the least-loaded node that is not drained.</summary>
    private async Task<Guid> PlaceAsync(Actor actor, Guid? requested, CancellationToken cancellationToken)
    {
        if (requested is { } nodeId)
        {
            if (!Rulebook.AllowsPlatform(actor, Permission.NodeRead))
            {
                throw DomainException.BadInput("nodeId", "Only platform staff choose nodes; leave 'nodeId' out to place automatically.");
            }

            var node = await db.Nodes.AsNoTracking().SingleOrDefaultAsync(n => n.Id == nodeId, cancellationToken)
                ?? throw DomainException.BadInput("nodeId", "No such node.");
            return node.Drained ? throw DomainException.BadInput("nodeId", $"Node '{node.Name}' is drained and takes no new services.") : node.Id;
        }

        var candidates = await db.Nodes.AsNoTracking()
            .Where(n => !n.Drained)
            .Select(n => new { n.Id, n.Name, Load = db.Services.Count(s => s.NodeId == n.Id) })
            .ToListAsync(cancellationToken);
        var best = candidates.OrderBy(n => n.Load).ThenBy(n => n.Name, StringComparer.Ordinal).FirstOrDefault();
        return best?.Id ?? throw DomainException.BadInput("nodeId", "No node is available to place the service on (none registered, or all drained).");
    }

    /// <summary>
    /// The client's policy: image allow-list, quotas, the provider's port range. A platform admin may
    /// override it (for the provider's own services); what was overridden is returned for the audit
    /// record. A host port already published on the node is never overridable: the engine would refuse.
    /// </summary>
    private async Task<IReadOnlyList<string>?> CheckPolicyAsync(
        Actor actor, bool requested, Client client, List<ServiceSpec> others, ServiceSpec spec, Guid nodeId, Guid? serviceId, CancellationToken cancellationToken)
    {
        if (requested && actor.PlatformRole != Users.PlatformRole.Admin)
        {
            throw DomainException.Forbidden("Only platform admins may deploy outside the client's policy.");
        }

        var allowed = requested || actor.Type == ActorType.System;
        var overridden = new List<string>();
        void Check(Action rule)
        {
            try
            {
                rule();
            }
            catch (DomainException ex) when (allowed && ex.Code == ErrorCode.BadUserInput)
            {
                overridden.Add($"{ex.Field}: {ex.Message}");
            }
        }

        Check(() => ClientPolicy.EnsureImageAllowed(client, spec.Image));
        Check(() => ClientPolicy.EnsureWithinQuota(client, others, spec, isNewService: serviceId is null, others.Count));
        Check(() => EnsurePortsInRange(spec));
        await EnsurePortsFreeAsync(nodeId, serviceId, spec, cancellationToken);
        return overridden.Count > 0 ? overridden : null;
    }

    private void EnsurePortsInRange(ServiceSpec spec)
    {
        var (first, last) = (engine.Value.PortRangeStart, engine.Value.PortRangeEnd);
        foreach (var (port, index) in spec.Ports.Select((p, i) => (p, i)).Where(p => p.p.HostPort < first || p.p.HostPort > last))
        {
            throw DomainException.BadInput($"spec.ports[{index}].hostPort", $"Host port {port.HostPort} is outside the range {first}–{last} the provider allows.");
        }
    }

    /// <summary>Published host ports must be free on the node (ours, any client).</summary>
    private async Task EnsurePortsFreeAsync(Guid nodeId, Guid? serviceId, ServiceSpec spec, CancellationToken cancellationToken)
    {
        var published = spec.Ports.Select((p, i) => (Port: p, Index: i)).Where(p => p.Port.HostPort is not null).ToList();
        if (published.Count == 0)
        {
            return;
        }

        var taken = (await db.Services.AsNoTracking()
                .Where(s => s.NodeId == nodeId && s.Id != serviceId)
                .Select(s => s.SpecJson)
                .ToListAsync(cancellationToken))
            .SelectMany(s => ServiceSpecJson.Read(s).Ports)
            .Where(p => p.HostPort is not null)
            .Select(p => (p.HostPort, p.Protocol))
            .ToHashSet();
        foreach (var (port, index) in published.Where(p => taken.Contains((p.Port.HostPort, p.Port.Protocol))))
        {
            throw DomainException.BadInput($"spec.ports[{index}].hostPort", $"Host port {port.HostPort}/{port.Protocol} is already published on this node.");
        }
    }

    private async Task<List<ServiceSpec>> OtherSpecsAsync(Guid clientId, Guid? exceptServiceId, CancellationToken cancellationToken) =>
        [.. (await db.Services.AsNoTracking()
            .Where(s => s.ClientId == clientId && s.Id != exceptServiceId)
            .Select(s => s.SpecJson)
            .ToListAsync(cancellationToken)).Select(ServiceSpecJson.Read)];

    private void AddRevision(Service service, Actor actor, string reason) =>
        db.ServiceRevisions.Add(new ServiceRevision
        {
            ServiceId = service.Id,
            Revision = service.Revision,
            Spec = service.Spec,
            Reason = reason,
            CreatedBy = actor.Name,
            CreatedAt = service.UpdatedAt,
        });

    private Task SaveAsync(string name, CancellationToken cancellationToken) =>
        db.SaveOrConflictAsync("service", $"The client already has a service named '{name}', or the change raced another one.", "name", cancellationToken);

    private static bool SameSpec(ServiceSpec a, ServiceSpec b) => ServiceSpecJson.Write(a) == ServiceSpecJson.Write(b);

    /// <summary>The spec as it may appear in the audit log: secret values never do.</summary>
    internal static ServiceSpec Redacted(ServiceSpec spec) =>
        spec with { Env = [.. spec.Env.Select(e => e.Secret ? e with { Value = "[secret]" } : e)] };
}
