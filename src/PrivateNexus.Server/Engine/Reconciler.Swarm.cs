using Docker.DotNet.Models;

namespace PrivateNexus.Server.Engine;

/// <summary>
/// Convergence of a service that runs as a Swarm service (replicas &gt; 1 on a swarm manager). Swarm
/// starts, restarts, replaces and rolls out the tasks; the reconciler writes the service's spec —
/// created, updated to a new revision or restart, scaled, scaled to 0 to stop, removed — and cleans
/// up what Swarm leaves behind (the containers of finished tasks, and containers from before).
/// </summary>
public sealed partial class Reconciler
{
    private static Guid SwarmServiceOf(SwarmService service) =>
        service.Spec?.Labels is { } labels && labels.TryGetValue(OwnershipLabels.Service, out var text) && Guid.TryParse(text, out var id) ? id : Guid.Empty;

    private async Task ConvergeSwarmServiceAsync(
        Guid nodeId,
        EngineCalls engine,
        OwnActions own,
        DesiredService service,
        string swarmNodeId,
        SwarmService? existing,
        List<ContainerState> containers,
        CancellationToken cancellationToken)
    {
        var wanted = new SwarmShape(service.Revision, service.RestartGeneration, service.Run ? (ulong)service.Spec.Replicas : 0);
        var plain = containers.Where(c => c.SwarmService is null).ToList();

        if (existing is null)
        {
            if (own.LastSwarmWrite(service.Id) is not null)
            {
                await ReportSwarmDriftAsync(service, "swarm service removed outside PrivateNexus", cancellationToken);
            }

            if (service.Run)
            {
                // Containers from before publish the same host ports as the new tasks would: stop them first.
                await StopPublishingContainersAsync(nodeId, engine, own, service, plain, cancellationToken);
                var spec = await SwarmSpecAsync(nodeId, engine, service, swarmNodeId, cancellationToken);
                var id = await engine.CreateSwarmServiceAsync(spec, cancellationToken);
                own.SwarmWritten(service.Id, wanted);
                Note(service.Id, $"Created swarm service {spec.Name} ({wanted.Replicas} replicas of revision {service.Revision}).");
                logger.LogInformation("Created swarm service {Name} ({Id}) for {Client}/{Service}", spec.Name, id, service.ClientSlug, service.Name);
            }
        }
        else
        {
            var actual = new SwarmShape(
                ContainerSpecBuilder.LabelInt(existing.Spec?.Labels, OwnershipLabels.Revision),
                ContainerSpecBuilder.LabelInt(existing.Spec?.Labels, OwnershipLabels.RestartGeneration),
                ContainerSpecBuilder.Replicas(existing.Spec) ?? 0);
            if (actual == wanted)
            {
                // Also when found after a restart of the server: a later change by hand is then drift.
                own.SwarmWritten(service.Id, wanted);
            }
            else if (RolledBackBySwarm(existing) && own.LastSwarmWrite(service.Id) == wanted)
            {
                // We wrote this revision and Swarm gave up on it (its tasks failed), going back to the
                // spec before. Pushing it again would only fail again: the deployment ends, and a
                // rollback or a new change is what comes next.
                var message = $"Swarm rolled back revision {service.Revision}: {existing.UpdateStatus?.Message}";
                Note(service.Id, message);
                _swarmRolledBack[service.Id] = message;
            }
            else if (existing.UpdateStatus?.State == "rollback_started")
            {
                // A new spec written while Swarm still rolls back may leave a slot with two tasks: wait.
                Note(service.Id, "Waiting for Swarm to finish rolling back the previous update.");
            }
            else
            {
                if (own.LastSwarmWrite(service.Id) == wanted)
                {
                    await ReportSwarmDriftAsync(
                        service, $"swarm service changed outside PrivateNexus (revision {actual.Revision}, {actual.Replicas} replicas)", cancellationToken);
                }

                if (service.Run)
                {
                    await StopPublishingContainersAsync(nodeId, engine, own, service, plain, cancellationToken);
                }

                var spec = await SwarmSpecAsync(nodeId, engine, service, swarmNodeId, cancellationToken);
                await engine.UpdateSwarmServiceAsync(existing.ID, existing.Version?.Index ?? 0, spec, cancellationToken);
                own.SwarmWritten(service.Id, wanted);
                Note(service.Id, service.Run
                    ? $"Updated swarm service {spec.Name}: {wanted.Replicas} replicas of revision {service.Revision}."
                    : $"Scaled swarm service {spec.Name} to 0 (stopped).");
            }
        }

        if (!service.Run)
        {
            foreach (var container in plain)
            {
                await RemoveAsync(nodeId, engine, own, container, cancellationToken);
            }

            return;
        }

        // Once every replica of the wanted revision runs (healthy, when checked), what is left goes:
        // our containers from before, and the containers of tasks Swarm has finished with (it keeps
        // them as task history; the mirror would show them as instances of the service).
        var fresh = containers.Where(c => IsCurrentTask(c, service) && c.Running && (service.Spec.HealthCheck is null || c.Health == "healthy")).ToList();
        if (fresh.Count >= service.Spec.Replicas)
        {
            // (A task of the wanted revision that is only "created" is about to start; one of another
            // revision was created by a rollout that was rolled back before it could start.)
            foreach (var container in containers.Where(c => c.SwarmService is null || (!c.Running && (!IsCurrentTask(c, service) || c.State is "exited" or "dead"))))
            {
                await RemoveAsync(nodeId, engine, own, container, cancellationToken);
            }
        }
    }

    internal static bool IsCurrentTask(ContainerState container, DesiredService service) =>
        container.SwarmService is not null && container.Revision == service.Revision && container.RestartGeneration == service.RestartGeneration;

    /// <summary>Swarm's last update of the service failed and was rolled back (the spec is then the one before; no previous spec is kept).</summary>
    private static bool RolledBackBySwarm(SwarmService existing) =>
        existing.UpdateStatus?.State is { } state && state.StartsWith("rollback", StringComparison.Ordinal);

    private async Task<Docker.DotNet.Models.ServiceSpec> SwarmSpecAsync(
        Guid nodeId, EngineCalls engine, DesiredService service, string swarmNodeId, CancellationToken cancellationToken)
    {
        // A client network made before the node joined a swarm is a local bridge, which swarm tasks
        // cannot join: the client's swarm services then get an overlay network of their own.
        var network = OwnershipLabels.NetworkName(service.ClientSlug);
        if (await engine.EnsureNetworkAsync(network, service.ClientId, overlay: true, cancellationToken) != "swarm")
        {
            network += "-swarm";
            await engine.EnsureNetworkAsync(network, service.ClientId, overlay: true, cancellationToken);
        }

        if (service.Run)
        {
            await EnsureVolumesAndImageAsync(engine, service, cancellationToken);
        }

        return builder.BuildSwarmService(nodeId, service, swarmNodeId, network);
    }

    /// <summary>Our own containers of the service that bind host ports would keep the new tasks from binding them.</summary>
    private async Task StopPublishingContainersAsync(
        Guid nodeId, EngineCalls engine, OwnActions own, DesiredService service, List<ContainerState> plain, CancellationToken cancellationToken)
    {
        if (!service.Spec.Ports.Any(p => p.HostPort is not null))
        {
            return;
        }

        foreach (var old in plain.Where(c => c.Running || c.State == "restarting"))
        {
            own.Record(old.Id);
            await engine.StopAsync(old.Id, cancellationToken);
            await RefreshAsync(nodeId, engine, old.Id, cancellationToken);
        }
    }

    private async Task RemoveSwarmServiceAsync(EngineCalls engine, OwnActions own, SwarmService swarmService, CancellationToken cancellationToken)
    {
        var serviceId = SwarmServiceOf(swarmService);
        Note(serviceId, $"Removed swarm service {swarmService.Spec?.Name}.");
        own.ForgetSwarm(serviceId);
        await engine.RemoveSwarmServiceAsync(swarmService.ID, cancellationToken);
    }

    private Task ReportSwarmDriftAsync(DesiredService service, string what, CancellationToken cancellationToken) =>
        ReportDriftAsync(service.Id, service.ClientId, new { swarmService = ContainerSpecBuilder.SwarmServiceName(service), what }, cancellationToken);
}
