using System.Collections.Concurrent;
using Docker.DotNet.Models;
using Microsoft.EntityFrameworkCore;
using PrivateNexus.Server.Authorization;
using PrivateNexus.Server.Data;
using PrivateNexus.Server.Features.Audit;
using PrivateNexus.Server.Features.Clients;
using PrivateNexus.Server.Features.Services;
using Actor = PrivateNexus.Server.Authorization.Actor;
using RestartPolicy = PrivateNexus.Server.Features.Services.RestartPolicy;

namespace PrivateNexus.Server.Engine;

/// <summary>Containers this server itself stopped or removed recently, so the agent can tell drift from its own work.</summary>
public sealed class OwnActions(TimeProvider time)
{
    private static readonly TimeSpan Memory = TimeSpan.FromMinutes(2);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _actions = new(StringComparer.Ordinal);

    public void Record(string containerId) => _actions[containerId] = time.GetUtcNow();

    public bool WasOurs(string containerId)
    {
        foreach (var (id, at) in _actions)
        {
            if (time.GetUtcNow() - at > Memory)
            {
                _actions.TryRemove(id, out _);
            }
        }

        return _actions.ContainsKey(containerId);
    }

    // What this server last wrote to each of its swarm services (revision, restart, replicas): a
    // service found otherwise, though nothing changed on our side, was changed by someone else.
    private readonly ConcurrentDictionary<Guid, SwarmShape> _swarm = new();

    public void SwarmWritten(Guid serviceId, SwarmShape shape) => _swarm[serviceId] = shape;

    public SwarmShape? LastSwarmWrite(Guid serviceId) => _swarm.TryGetValue(serviceId, out var shape) ? shape : null;

    public void ForgetSwarm(Guid serviceId) => _swarm.TryRemove(serviceId, out _);
}

/// <summary>What we converge a swarm service to: the revision and restart its tasks run, and how many.</summary>
public readonly record struct SwarmShape(int Revision, int RestartGeneration, ulong Replicas);

/// <summary>
/// One pass of convergence for one node: compares the services placed there (database) with our
/// containers there (mirror) and acts — create what is missing, start what died (per restart
/// policy), roll out new revisions (new first, old removed once the new ones run and are healthy),
/// stop what should be stopped, remove orphans. Idempotent: running it twice does nothing new, and
/// after a crash the labels on the containers tell it what already exists.
/// </summary>
public sealed partial class Reconciler(
    PnxDbContext db, StateMirror mirror, ContainerSpecBuilder builder, AuditLog audit, DeploymentTracker deployments, ILogger<Reconciler> logger)
{
    /// <summary>What this pass did to each service, for its deployment's steps.</summary>
    private readonly Dictionary<Guid, List<string>> _steps = [];

    /// <summary>Services whose new revision Swarm itself rolled back in this pass, and why.</summary>
    private readonly Dictionary<Guid, string> _swarmRolledBack = [];

    public static readonly Actor ReconcilerActor = Actor.System with { Id = "reconciler", Name = "reconciler" };

    public async Task<IReadOnlyList<DesiredService>> DesiredAsync(Guid nodeId, CancellationToken cancellationToken)
    {
        var rows = await db.Services.AsNoTracking()
            .Where(s => s.NodeId == nodeId)
            .Select(s => new { s.Id, s.ClientId, s.Client!.Slug, ClientStatus = s.Client.Status, s.Name, s.Revision, s.RestartGeneration, s.SpecJson, s.DesiredState })
            .ToListAsync(cancellationToken);
        return [.. rows.Select(s =>
        {
            var spec = ServiceSpecJson.Read(s.SpecJson);
            return new DesiredService(
                s.Id, s.ClientId, s.Slug, s.Name, s.Revision, s.RestartGeneration, spec,
                s.DesiredState == DesiredState.Running && s.ClientStatus == ClientStatus.Active,
                spec.RestartPolicy);
        })];
    }

    public async Task ConvergeAsync(Guid nodeId, EngineCalls engine, OwnActions own, CancellationToken cancellationToken)
    {
        // Replicas > 1 on a swarm manager run as a Swarm service; everything else as our own containers.
        var info = mirror.Node(nodeId).Engine;
        var manager = info is { IsSwarmManager: true, SwarmNodeId: not null };
        var desired = (await DesiredAsync(nodeId, cancellationToken)).Select(s => s with { Swarm = manager && s.Spec.Replicas > 1 }).ToList();
        var wanted = desired.Select(s => s.Id).ToHashSet();
        var containers = mirror.Node(nodeId).Containers.Values.ToList();
        var swarmServices = manager ? await ListSwarmServicesAsync(engine, cancellationToken) : [];
        if (swarmServices is null)
        {
            // No longer a manager since the last resync (which will say so): leave Swarm's services and
            // their tasks alone this pass (task containers are not orphans while `manager` holds).
            desired = [.. desired.Where(s => !s.Swarm)];
            swarmServices = [];
        }

        // A swarm task's container is Swarm's to remove (with its service); off a manager it is just a container.
        foreach (var orphan in containers.Where(c => !wanted.Contains(c.ServiceId) && !(manager && c.SwarmService is not null)))
        {
            logger.LogInformation("Removing orphan container {Container} of unknown service {Service}", orphan.Name, orphan.ServiceId);
            await RemoveAsync(nodeId, engine, own, orphan, cancellationToken);
        }

        foreach (var orphan in swarmServices.Where(s => !wanted.Contains(SwarmServiceOf(s))))
        {
            logger.LogInformation("Removing orphan swarm service {Name} of unknown service {Service}", orphan.Spec?.Name, SwarmServiceOf(orphan));
            await RemoveSwarmServiceAsync(engine, own, orphan, cancellationToken);
        }

        foreach (var service in desired)
        {
            try
            {
                var mine = containers.Where(c => c.ServiceId == service.Id).ToList();
                var swarmService = swarmServices.FirstOrDefault(s => SwarmServiceOf(s) == service.Id);
                if (service.Swarm)
                {
                    await ConvergeSwarmServiceAsync(nodeId, engine, own, service, info!.SwarmNodeId!, swarmService, mine, cancellationToken);
                }
                else
                {
                    await ConvergeServiceAsync(
                        nodeId, engine, own, service, [.. mine.Where(c => !(manager && c.SwarmService is not null))], swarmService, cancellationToken);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // One service's failure (bad image, port taken) must not stop the others converging.
                logger.LogWarning(ex, "Could not converge service {Client}/{Service} on node {Node}", service.ClientSlug, service.Name, nodeId);
                Note(service.Id, $"Failed: {ex.Message}");
            }
        }

        await RemoveUnusedNetworksAsync(engine, desired, cancellationToken);
        await deployments.TrackAsync(nodeId, desired, _steps, _swarmRolledBack, cancellationToken);
    }

    /// <summary>Our swarm services, or null when the engine says it is not a swarm manager (any more).</summary>
    private async Task<IList<SwarmService>?> ListSwarmServicesAsync(EngineCalls engine, CancellationToken cancellationToken)
    {
        try
        {
            return await engine.ListOurSwarmServicesAsync(cancellationToken);
        }
        catch (Docker.DotNet.DockerApiException ex) when (ex.StatusCode == System.Net.HttpStatusCode.ServiceUnavailable)
        {
            logger.LogWarning("The engine no longer acts as a swarm manager: {Error}", ex.Message);
            return null;
        }
    }

    private void Note(Guid serviceId, string message)
    {
        if (!_steps.TryGetValue(serviceId, out var list))
        {
            _steps[serviceId] = list = [];
        }

        list.Add(message);
    }

    /// <summary>A client network stays while the client has services on the node; address pools are finite.</summary>
    private async Task RemoveUnusedNetworksAsync(EngineCalls engine, IReadOnlyList<DesiredService> desired, CancellationToken cancellationToken)
    {
        var clients = desired.Select(s => s.ClientId).ToHashSet();
        foreach (var network in await engine.ListOurNetworksAsync(cancellationToken))
        {
            if (!clients.Contains(network.ClientId) && network.Containers == 0)
            {
                logger.LogInformation("Removing unused client network {Network}", network.Name);
                await engine.RemoveNetworkAsync(network.Id, cancellationToken);
            }
        }
    }

    /// <param name="leftover">The swarm service it ran as before (replicas were &gt; 1, or its node stopped being a manager): removed once the containers run.</param>
    private async Task ConvergeServiceAsync(
        Guid nodeId, EngineCalls engine, OwnActions own, DesiredService service, List<ContainerState> containers, SwarmService? leftover, CancellationToken cancellationToken)
    {
        var current = containers.Where(c => c.Revision == service.Revision && c.RestartGeneration == service.RestartGeneration).ToList();
        var stale = containers.Except(current).ToList();

        if (!service.Run)
        {
            if (leftover is not null)
            {
                await RemoveSwarmServiceAsync(engine, own, leftover, cancellationToken);
            }

            foreach (var container in stale)
            {
                await RemoveAsync(nodeId, engine, own, container, cancellationToken);
            }

            foreach (var container in current.Where(c => c.Running || c.State == "restarting"))
            {
                own.Record(container.Id);
                await engine.StopAsync(container.Id, cancellationToken);
                await RefreshAsync(nodeId, engine, container.Id, cancellationToken);
            }

            return;
        }

        var replicas = service.Spec.Replicas;
        foreach (var extra in current.Where(c => c.Replica >= replicas))
        {
            await RemoveAsync(nodeId, engine, own, extra, cancellationToken);
        }

        // A published host port can be bound by one container only: such services roll out stop-first
        // (the old containers are stopped, kept until the new ones run, then removed).
        if (service.Spec.Ports.Any(p => p.HostPort is not null) && current.Count(c => c.Replica < replicas && c.Running) < replicas)
        {
            foreach (var old in stale.Where(c => c.Running || c.State == "restarting"))
            {
                own.Record(old.Id);
                await engine.StopAsync(old.Id, cancellationToken);
                await RefreshAsync(nodeId, engine, old.Id, cancellationToken);
            }
        }

        for (var replica = 0; replica < replicas; replica++)
        {
            var container = current.FirstOrDefault(c => c.Replica == replica);
            if (container is null)
            {
                await CreateAsync(nodeId, engine, service, replica, cancellationToken);
            }
            else if (ShouldStart(container, service.RestartPolicy))
            {
                logger.LogInformation("Starting {Container} ({State}, exit code {ExitCode})", container.Name, container.State, container.ExitCode);
                await engine.StartAsync(container.Id, cancellationToken);
                await RefreshAsync(nodeId, engine, container.Id, cancellationToken);
            }
        }

        // Old revisions go once every replica of the new one runs (and is healthy, when it has a check).
        var fresh = mirror.ContainersOf(nodeId, service.Id)
            .Where(c => c.Revision == service.Revision && c.RestartGeneration == service.RestartGeneration && c.Replica < replicas)
            .ToList();
        var ready = fresh.Count == replicas && fresh.All(c => c.Running && (service.Spec.HealthCheck is null || c.Health == "healthy"));
        if (ready)
        {
            foreach (var container in stale)
            {
                await RemoveAsync(nodeId, engine, own, container, cancellationToken);
            }

            if (leftover is not null)
            {
                await RemoveSwarmServiceAsync(engine, own, leftover, cancellationToken);
            }
        }
    }

    /// <summary>Docker's own restart policy restarts most crashes; this covers what it will not (and containers never started).</summary>
    private static bool ShouldStart(ContainerState container, RestartPolicy policy) => container.State switch
    {
        "created" => true,
        "exited" or "dead" => policy switch
        {
            RestartPolicy.No => false,
            RestartPolicy.OnFailure => container.ExitCode != 0,
            _ => true,
        },
        _ => false,
    };

    private async Task CreateAsync(Guid nodeId, EngineCalls engine, DesiredService service, int replica, CancellationToken cancellationToken)
    {
        // On a swarm manager the client network is an attachable overlay, shared with the client's swarm services.
        var manager = mirror.Node(nodeId).Engine?.IsSwarmManager == true;
        await engine.EnsureNetworkAsync(OwnershipLabels.NetworkName(service.ClientSlug), service.ClientId, manager, cancellationToken);
        await EnsureVolumesAndImageAsync(engine, service, cancellationToken);
        var id = await engine.CreateAndStartAsync(builder.Build(nodeId, service, replica), cancellationToken);
        Note(service.Id, $"Started replica {replica} of revision {service.Revision} ({id[..12]}).");
        logger.LogInformation("Started {Client}/{Service} revision {Revision} replica {Replica} as {Container}", service.ClientSlug, service.Name, service.Revision, replica, id[..12]);
        await RefreshAsync(nodeId, engine, id, cancellationToken);
    }

    private async Task EnsureVolumesAndImageAsync(EngineCalls engine, DesiredService service, CancellationToken cancellationToken)
    {
        foreach (var volume in service.Spec.Volumes)
        {
            await engine.EnsureVolumeAsync(OwnershipLabels.VolumeName(service.ClientSlug, volume.Name), service.ClientId, cancellationToken);
        }

        var pulled = new List<string>();
        await engine.EnsureImageAsync(service.Spec.Image, new Progress<JSONMessage>(m =>
        {
            if (!string.IsNullOrEmpty(m.Status))
            {
                logger.LogDebug("Pull {Image}: {Status} {Layer}", service.Spec.Image, m.Status, m.ID);
                lock (pulled)
                {
                    pulled.Add(string.IsNullOrEmpty(m.ID) ? m.Status : $"{m.ID}: {m.Status}");
                }
            }
        }), cancellationToken);
        lock (pulled)
        {
            if (pulled.Count > 0)
            {
                Note(service.Id, $"Pulled {service.Spec.Image} ({pulled[^1]}).");
            }
        }

        Note(service.Id, $"Ensuring image {service.Spec.Image}.");
    }

    private async Task RemoveAsync(Guid nodeId, EngineCalls engine, OwnActions own, ContainerState container, CancellationToken cancellationToken)
    {
        Note(container.ServiceId, $"Removed {container.Name} (revision {container.Revision}).");
        own.Record(container.Id);
        await engine.RemoveAsync(container.Id, cancellationToken);
        mirror.Update(nodeId, n => n with { Containers = n.Containers.Remove(container.Id) });
    }

    /// <summary>Reads a container back right after acting on it, so the next pass never acts twice on stale data.</summary>
    private async Task RefreshAsync(Guid nodeId, EngineCalls engine, string id, CancellationToken cancellationToken)
    {
        var state = await engine.InspectAsync(id, cancellationToken);
        mirror.Update(nodeId, n => n with { Containers = state is null ? n.Containers.Remove(id) : n.Containers.SetItem(id, state) });
    }

    /// <summary>A container of ours was changed or removed by someone else: say so in the audit log.</summary>
    public Task ReportDriftAsync(ContainerState container, string what, CancellationToken cancellationToken) =>
        ReportDriftAsync(container.ServiceId, container.ClientId, new { container = container.Name, what }, cancellationToken);

    private Task ReportDriftAsync(Guid serviceId, Guid clientId, object details, CancellationToken cancellationToken) =>
        audit.RecordNowAsync(
            ReconcilerActor,
            "service.drift",
            AuditTarget.Of("service", serviceId, clientId),
            AuditOutcome.Success,
            details,
            cancellationToken);
}
