using System.Globalization;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace PrivateNexus.Server.Engine;

/// <summary>The few engine operations the agent and reconciler use, each bounded by a timeout.</summary>
public sealed partial class EngineCalls(IDockerClient client, Guid nodeId, TimeSpan timeout, TimeSpan pullTimeout)
{
    /// <summary>Ours, and placed by this node record: labels managed=true and node=id (both must match).</summary>
    public Dictionary<string, IDictionary<string, bool>> OursFilter() => new()
    {
        ["label"] = new Dictionary<string, bool>
        {
            [$"{OwnershipLabels.Managed}=true"] = true,
            [$"{OwnershipLabels.Node}={nodeId}"] = true,
        },
    };

    public IDockerClient Client => client;

    /// <summary>Counts each call by node and operation (null: not counted, e.g. one-off reads outside the agents).</summary>
    public Features.Metrics.ServerMetrics? Metrics { get; init; }

    public async Task<EngineInfo> InfoAsync(CancellationToken cancellationToken)
    {
        using var bounded = Bounded(cancellationToken);
        var version = await client.System.GetVersionAsync(bounded.Token);
        var info = await client.System.GetSystemInfoAsync(bounded.Token);
        var swarm = info.Swarm?.LocalNodeState switch
        {
            "active" when info.Swarm.ControlAvailable => "manager",
            "active" => "worker",
            _ => "none",
        };
        return new EngineInfo(version.Version, version.APIVersion, info.OperatingSystem, info.Architecture, (int)info.NCPU, info.MemTotal, swarm)
        {
            SwarmNodeId = swarm == "none" ? null : info.Swarm?.NodeID,
        };
    }

    /// <summary>All our containers (running or not), inspected for health and restart counts.</summary>
    public async Task<Dictionary<string, ContainerState>> ListOursAsync(CancellationToken cancellationToken)
    {
        IList<ContainerListResponse> listed;
        using (var bounded = Bounded(cancellationToken))
        {
            listed = await client.Containers.ListContainersAsync(new ContainersListParameters { All = true, Filters = OursFilter() }, bounded.Token);
        }

        // Each inspect has its own timeout: a thousand containers on a busy engine may take longer
        // in total than one call is allowed, and that is not the engine failing.
        var result = new Dictionary<string, ContainerState>(StringComparer.Ordinal);
        foreach (var container in listed)
        {
            if (await InspectAsync(container.ID, cancellationToken) is { } state)
            {
                result[state.Id] = state;
            }
        }

        return result;
    }

    /// <summary>One container's state, or null when it is gone or not ours.</summary>
    public async Task<ContainerState?> InspectAsync(string id, CancellationToken cancellationToken) =>
        (await InspectStoppingAsync(id, cancellationToken)).State;

    /// <summary>
    /// <see cref="InspectAsync"/>, also telling whether the engine was in the middle of stopping the
    /// container: Podman's passing state "stopping", which the state reports as "running", as Docker would.
    /// </summary>
    public async Task<(ContainerState? State, bool Stopping)> InspectStoppingAsync(string id, CancellationToken cancellationToken)
    {
        ContainerInspectResponse inspected;
        try
        {
            using var bounded = Bounded(cancellationToken);
            inspected = await client.Containers.InspectContainerAsync(id, bounded.Token);
        }
        catch (Exception ex) when (IsGone(ex))
        {
            return (null, false);
        }

        var labels = inspected.Config?.Labels ?? new Dictionary<string, string>();
        if (!labels.TryGetValue(OwnershipLabels.Service, out var service) || !Guid.TryParse(service, out var serviceId))
        {
            return (null, false);
        }

        // Another node record's container on the same engine is not ours. (Docker's event stream
        // never sends its events: label filters must all match there. Podman 4.3's matches ANY
        // label filter, so its events reach every agent on the engine.)
        if (!labels.TryGetValue(OwnershipLabels.Node, out var node) || node != nodeId.ToString())
        {
            return (null, false);
        }

        var ports = inspected.NetworkSettings?.Ports?
            .SelectMany(p => (p.Value ?? []).DefaultIfEmpty().Select(b => new PublishedPort(
                int.Parse(p.Key.Split('/')[0], CultureInfo.InvariantCulture),
                b?.HostPort is { Length: > 0 } host ? int.Parse(host, CultureInfo.InvariantCulture) : null,
                p.Key.Split('/').ElementAtOrDefault(1) ?? "tcp")))
            .ToList() ?? [];
        var state = inspected.State;
        var stopping = state?.Status == "stopping";
        var swarmService = labels.TryGetValue(SwarmLabels.ServiceId, out var swarmId) && swarmId.Length > 0 ? swarmId : null;

        // Only an ended task container needs its task read, which keeps the extra call to a task's last events.
        var taskEnd = swarmService is not null && state?.Status is "exited" or "dead" && labels.TryGetValue(SwarmLabels.TaskId, out var taskId) && taskId.Length > 0
            ? await SwarmTaskEndAsync(taskId, cancellationToken)
            : null;
        return (new ContainerState(
            inspected.ID,
            inspected.Name.TrimStart('/'),
            serviceId,
            Guid.TryParse(labels.TryGetValue(OwnershipLabels.Client, out var owner) ? owner : null, out var clientId) ? clientId : Guid.Empty,
            Int(labels, OwnershipLabels.Revision),
            swarmService is null ? Int(labels, OwnershipLabels.Replica) : SwarmLabels.Replica(labels),
            Int(labels, OwnershipLabels.RestartGeneration),
            // Podman says "stopping" while a stop waits for the process to exit; Docker says "running"
            // until it has exited, and so do we (a stopping service is not stopped yet).
            stopping ? "running" : state?.Status ?? "unknown",
            state?.Health?.Status is { Length: > 0 } health and not "none" ? health : null,
            (int)(state?.ExitCode ?? 0),
            (int)inspected.RestartCount,
            (state?.Running == true || stopping) && DateTimeOffset.TryParse(state?.StartedAt, CultureInfo.InvariantCulture, out var started) ? started : null,
            inspected.Image,
            ports)
        {
            SwarmService = swarmService,
            TaskEnd = taskEnd,
        }, stopping);
    }

    /// <summary>
    /// Makes sure the client network exists; returns its scope (<c>local</c> or <c>swarm</c>). On a swarm
    /// manager (<paramref name="overlay"/>) a missing one is made an attachable overlay network, which
    /// both our containers and our swarm services can join; one that exists is kept as it is.
    /// </summary>
    public async Task<string> EnsureNetworkAsync(string name, Guid clientId, bool overlay, CancellationToken cancellationToken)
    {
        using var bounded = Bounded(cancellationToken);
        var existing = await client.Networks.ListNetworksAsync(
            new NetworksListParameters { Filters = new Dictionary<string, IDictionary<string, bool>> { ["name"] = new Dictionary<string, bool> { [name] = true } } },
            bounded.Token);
        if (existing.FirstOrDefault(n => n.Name == name) is { } found)
        {
            return found.Scope;
        }

        await client.Networks.CreateNetworkAsync(
            new NetworksCreateParameters
            {
                Name = name,
                Driver = overlay ? "overlay" : "bridge",
                Attachable = overlay,
                Labels = new Dictionary<string, string>
                {
                    [OwnershipLabels.Managed] = "true",
                    [OwnershipLabels.Node] = nodeId.ToString(),
                    [OwnershipLabels.Client] = clientId.ToString(),
                },
            },
            bounded.Token);
        return overlay ? "swarm" : "local";
    }

    /// <summary>Our client networks on this engine, by name, with the client each belongs to.</summary>
    public async Task<IReadOnlyList<(string Id, string Name, Guid ClientId, int Containers)>> ListOurNetworksAsync(CancellationToken cancellationToken)
    {
        using var bounded = Bounded(cancellationToken);
        var networks = await client.Networks.ListNetworksAsync(new NetworksListParameters { Filters = OursFilter() }, bounded.Token);
        var result = new List<(string, string, Guid, int)>();
        foreach (var network in networks)
        {
            // The list call does not report attached containers; inspecting does.
            NetworkResponse inspected;
            try
            {
                inspected = await client.Networks.InspectNetworkAsync(network.ID, bounded.Token);
            }
            catch (DockerNetworkNotFoundException)
            {
                continue; // Removed since the list call (by someone else): nothing to do with it.
            }

            var owner = inspected.Labels is not null && inspected.Labels.TryGetValue(OwnershipLabels.Client, out var text) && Guid.TryParse(text, out var id) ? id : Guid.Empty;
            result.Add((network.ID, network.Name, owner, inspected.Containers?.Count ?? 0));
        }

        return result;
    }

    public async Task RemoveNetworkAsync(string id, CancellationToken cancellationToken)
    {
        try
        {
            using var bounded = Bounded(cancellationToken);
            await client.Networks.DeleteNetworkAsync(id, bounded.Token);
        }
        catch (DockerNetworkNotFoundException)
        {
        }
        catch (DockerApiException ex) when (ex.StatusCode is System.Net.HttpStatusCode.Forbidden or System.Net.HttpStatusCode.Conflict
            || ex.ResponseBody?.Contains("in use", StringComparison.Ordinal) == true)
        {
            // Still in use: a swarm service's tasks are still stopping, or a service still names it.
            // The next pass tries again.
        }
    }

    public async Task EnsureVolumeAsync(string name, Guid clientId, CancellationToken cancellationToken)
    {
        using var bounded = Bounded(cancellationToken);
        await client.Volumes.CreateAsync(
            new VolumesCreateParameters
            {
                Name = name,
                Labels = new Dictionary<string, string> { [OwnershipLabels.Managed] = "true", [OwnershipLabels.Client] = clientId.ToString() },
            },
            bounded.Token);
    }

    /// <summary>Pulls the image unless the engine has it; progress lines go to <paramref name="progress"/>.</summary>
    public async Task EnsureImageAsync(string image, IProgress<JSONMessage> progress, CancellationToken cancellationToken)
    {
        try
        {
            using var bounded = Bounded(cancellationToken);
            await client.Images.InspectImageAsync(image, bounded.Token);
            return;
        }
        catch (DockerImageNotFoundException)
        {
        }

        using var pull = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        pull.CancelAfter(pullTimeout);
        var (name, tag) = SplitTag(image);
        await client.Images.CreateImageAsync(new ImagesCreateParameters { FromImage = name, Tag = tag }, null, progress, pull.Token);
    }

    public async Task<string> CreateAndStartAsync(CreateContainerParameters parameters, CancellationToken cancellationToken)
    {
        using var bounded = Bounded(cancellationToken);
        var created = await client.Containers.CreateContainerAsync(parameters, bounded.Token);
        await client.Containers.StartContainerAsync(created.ID, new ContainerStartParameters(), bounded.Token);
        return created.ID;
    }

    public async Task StartAsync(string id, CancellationToken cancellationToken)
    {
        using var bounded = Bounded(cancellationToken);
        await client.Containers.StartContainerAsync(id, new ContainerStartParameters(), bounded.Token);
    }

    public async Task StopAsync(string id, CancellationToken cancellationToken)
    {
        using var bounded = Bounded(cancellationToken);
        await client.Containers.StopContainerAsync(id, new ContainerStopParameters { WaitBeforeKillSeconds = 5 }, bounded.Token);
    }

    public async Task RemoveAsync(string id, CancellationToken cancellationToken)
    {
        try
        {
            using var bounded = Bounded(cancellationToken);
            await client.Containers.RemoveContainerAsync(id, new ContainerRemoveParameters { Force = true }, bounded.Token);
        }
        catch (Exception ex) when (IsGone(ex)
            || (ex is DockerApiException { StatusCode: System.Net.HttpStatusCode.Conflict } conflict
                && conflict.ResponseBody?.Contains("already in progress", StringComparison.Ordinal) == true))
        {
            // Already gone, or going (Swarm removes its finished tasks' containers too): the goal is reached.
        }
    }

    /// <summary>
    /// The engine says the container does not exist. Docker answers 404; Podman 4.3 answers 500 with
    /// cause "no such container" for one removed while the request ran (found by its lookup, gone by
    /// the time it is read) — which happens on every container removed while we follow its events.
    /// </summary>
    internal static bool IsGone(Exception ex) =>
        ex is DockerContainerNotFoundException
        || (ex is DockerApiException { StatusCode: System.Net.HttpStatusCode.InternalServerError } api
            && api.ResponseBody?.Contains("no such container", StringComparison.Ordinal) == true);

    internal static (string Name, string Tag) SplitTag(string image)
    {
        var at = image.IndexOf('@', StringComparison.Ordinal);
        if (at > 0)
        {
            return (image[..at], image[(at + 1)..]);
        }

        var colon = image.LastIndexOf(':');
        return colon > image.LastIndexOf('/') ? (image[..colon], image[(colon + 1)..]) : (image, "latest");
    }

    /// <summary>
    /// One engine call: bounded by the call timeout, traced (a span named for the calling method) when
    /// tracing is on, and counted — every call passes here once; the caller's name is the operation.
    /// </summary>
    private EngineCall Bounded(CancellationToken cancellationToken, [System.Runtime.CompilerServices.CallerMemberName] string operation = "")
    {
        Metrics?.EngineCall(nodeId, operation.EndsWith("Async", StringComparison.Ordinal) ? operation[..^5] : operation);
        var source = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        source.CancelAfter(timeout);
        return new EngineCall(source, operation, nodeId);
    }

    private static int Int(IDictionary<string, string> labels, string key) =>
        int.TryParse(labels.TryGetValue(key, out var text) ? text : null, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : 0;
}
