using PrivateNexus.Server.Common;
using PrivateNexus.Server.Features.Clients;
using PrivateNexus.Server.Features.Services;

namespace PrivateNexus.Server.Dashboard;

/// <summary>
/// What the deploy/edit form edits, turned into the same <see cref="ServiceSpecInput"/> GraphQL takes.
/// Errors are keyed by the field paths the feature services name (<c>spec.image</c>,
/// <c>spec.ports[0].hostPort</c>, <c>name</c> …), so a refusal lands on the field it is about.
/// </summary>
public sealed class ServiceFormModel
{
    public Guid? ClientId { get; set; }

    public string Name { get; set; } = "";

    public string Image { get; set; } = "";

    /// <summary>One argument per line; empty keeps the image's own command.</summary>
    public string Command { get; set; } = "";

    public int CpuMillicores { get; set; } = 250;

    public int MemoryMiB { get; set; } = 128;

    public int Replicas { get; set; } = 1;

    public RestartPolicy RestartPolicy { get; set; } = RestartPolicy.UnlessStopped;

    public List<EnvRow> Env { get; set; } = [];

    public List<PortRow> Ports { get; set; } = [];

    public List<VolumeRow> Volumes { get; set; } = [];

    public Dictionary<string, string> Errors { get; } = new(StringComparer.Ordinal);

    public sealed class EnvRow
    {
        public string Name { get; set; } = "";

        /// <summary>For a stored secret: empty keeps the value the server has (secrets are write-only).</summary>
        public string Value { get; set; } = "";

        public bool Secret { get; set; }

        /// <summary>A secret that exists on the server: its value is never shown, only replaced.</summary>
        public bool Stored { get; set; }
    }

    public sealed class PortRow
    {
        public int ContainerPort { get; set; } = 80;

        public int? HostPort { get; set; }

        public PortProtocol Protocol { get; set; } = PortProtocol.Tcp;
    }

    public sealed class VolumeRow
    {
        public string Name { get; set; } = "";

        public string Path { get; set; } = "";

        public bool ReadOnly { get; set; }
    }

    public string? ErrorFor(string field) => Errors.GetValueOrDefault(field);

    /// <summary>The form for an existing service; secret values stay on the server.</summary>
    public static ServiceFormModel From(Service service) => new()
    {
        ClientId = service.ClientId,
        Name = service.Name,
        Image = service.Spec.Image,
        Command = string.Join('\n', service.Spec.Command),
        CpuMillicores = service.Spec.CpuMillicores,
        MemoryMiB = service.Spec.MemoryMiB,
        Replicas = service.Spec.Replicas,
        RestartPolicy = service.Spec.RestartPolicy,
        Env = [.. service.Spec.Env.Select(e => new EnvRow { Name = e.Name, Value = e.Secret ? "" : e.Value, Secret = e.Secret, Stored = e.Secret })],
        Ports = [.. service.Spec.Ports.Select(p => new PortRow { ContainerPort = p.ContainerPort, HostPort = p.HostPort, Protocol = p.Protocol })],
        Volumes = [.. service.Spec.Volumes.Select(v => new VolumeRow { Name = v.Name, Path = v.Path, ReadOnly = v.ReadOnly })],
    };

    public ServiceSpecInput ToSpec(HealthCheck? healthCheck = null) => new(
        Image.Trim(),
        [.. Command.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)],
        [.. Env.Select(e => new EnvVarInput(e.Name.Trim(), e.Secret && e.Stored && e.Value.Length == 0 ? null : e.Value, e.Secret))],
        [.. Ports.Select(p => new PortMapping(p.ContainerPort, p.HostPort, p.Protocol))],
        [.. Volumes.Select(v => new VolumeMount(v.Name.Trim(), v.Path.Trim(), v.ReadOnly))],
        CpuMillicores,
        MemoryMiB,
        RestartPolicy,
        healthCheck,
        Replicas);

    /// <summary>
    /// The client's image policy and quota checked in the browser's session before submitting, with the
    /// very functions the server applies on submit (<see cref="ClientPolicy"/>): immediate, field-level
    /// feedback. The server checks again on submit (this is a preview, not the gate).
    /// </summary>
    public void PreviewPolicy(Client? client, IReadOnlyList<ServiceSpec> others, bool isNew)
    {
        foreach (var key in new[] { "spec.image", "spec.cpuMillicores", "spec.memoryMiB", "clientId" })
        {
            Errors.Remove(key);
        }

        if (client is null)
        {
            return;
        }

        if (Image.Trim().Length > 0)
        {
            Catch(() => ClientPolicy.EnsureImageAllowed(client, Image.Trim()));
        }

        var candidate = new ServiceSpec { Image = Image, CpuMillicores = CpuMillicores, MemoryMiB = MemoryMiB, Replicas = Math.Max(1, Replicas) };
        Catch(() => ClientPolicy.EnsureWithinQuota(client, others, candidate, isNew, others.Count));
    }

    /// <summary>Records a refusal on its field; false when it names none (then the page shows it as a banner).</summary>
    public bool Accept(DomainException refusal)
    {
        if (refusal.Field is not { } field)
        {
            return false;
        }

        Errors[field] = refusal.Message;
        return true;
    }

    private void Catch(Action check)
    {
        try
        {
            check();
        }
        catch (DomainException ex) when (ex.Field is not null)
        {
            Errors[ex.Field] = ex.Message;
        }
    }
}
