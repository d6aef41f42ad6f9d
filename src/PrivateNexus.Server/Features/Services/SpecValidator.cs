using System.Text.RegularExpressions;
using PrivateNexus.Server.Common;

namespace PrivateNexus.Server.Features.Services;

/// <summary>
/// Turns caller input into a stored <see cref="ServiceSpec"/>: checks every field's shape, encrypts
/// new secret values and carries over the ciphertext of secrets sent without a value.
/// </summary>
public sealed partial class SpecValidator(SecretProtector secrets)
{
    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]{0,254}$")]
    private static partial Regex EnvNameRegex();

    [GeneratedRegex(@"^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(/[a-z0-9]+([._-][a-z0-9]+)*)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$")]
    private static partial Regex ImageRegex();

    [GeneratedRegex("^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$")]
    private static partial Regex VolumeNameRegex();

    public ServiceSpec Build(ServiceSpecInput input, ServiceSpec? previous)
    {
        var image = Validate.Text(input.Image, "spec.image", 500);
        if (!ImageRegex().IsMatch(image))
        {
            throw DomainException.BadInput("spec.image", "'spec.image' is not a valid image reference (registry/name:tag or @sha256:digest).");
        }

        var ports = ValidPorts(input.Ports ?? []);
        var replicas = Validate.Range(input.Replicas ?? 1, "spec.replicas", 1, 50);

        // A host port on the node's address can be bound once: by one container, or by one swarm
        // task per node (host-mode publishing; no routing mesh is assumed). Replicas reach each
        // other, and the client's other services reach them, over the client network by name.
        if (replicas > 1 && ports.Any(p => p.HostPort is not null))
        {
            throw DomainException.BadInput("spec.replicas", "A service that publishes host ports runs one replica: a host port can be bound only once on a node.");
        }

        return new ServiceSpec
        {
            Image = image,
            Command = ValidCommand(input.Command ?? [], "spec.command"),
            Env = BuildEnv(input.Env ?? [], previous),
            Ports = ports,
            Volumes = ValidVolumes(input.Volumes ?? []),
            CpuMillicores = Validate.Range(input.CpuMillicores, "spec.cpuMillicores", 10, 256_000),
            MemoryMiB = Validate.Range(input.MemoryMiB, "spec.memoryMiB", 6, 4_194_304),
            RestartPolicy = input.RestartPolicy ?? RestartPolicy.UnlessStopped,
            HealthCheck = ValidHealthCheck(input.HealthCheck),
            Replicas = replicas,
        };
    }

    private List<EnvVar> BuildEnv(IReadOnlyList<EnvVarInput> env, ServiceSpec? previous)
    {
        var result = new List<EnvVar>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < env.Count; i++)
        {
            var field = $"spec.env[{i}]";
            var item = env[i];
            if (!EnvNameRegex().IsMatch(item.Name ?? ""))
            {
                throw DomainException.BadInput($"{field}.name", "Environment variable names are letters, digits and '_', not starting with a digit.");
            }

            if (!seen.Add(item.Name!))
            {
                throw DomainException.BadInput($"{field}.name", $"'{item.Name}' is set twice.");
            }

            if (item.Value is { Length: > 32_768 })
            {
                throw DomainException.BadInput($"{field}.value", "Values are at most 32 KiB.");
            }

            if (!item.Secret)
            {
                result.Add(new EnvVar(item.Name!, item.Value ?? "", false));
                continue;
            }

            if (item.Value is not null)
            {
                result.Add(new EnvVar(item.Name!, secrets.Protect(item.Value), true));
                continue;
            }

            // Write-only: a secret resent without a value keeps the ciphertext it had.
            var kept = previous?.Env.FirstOrDefault(e => e.Secret && e.Name == item.Name)
                ?? throw DomainException.BadInput($"{field}.value", $"Secret '{item.Name}' has no stored value to keep; send its value.");
            result.Add(kept);
        }

        return result;
    }

    private static List<string> ValidCommand(IReadOnlyList<string> command, string field)
    {
        if (command.Count > 100 || command.Any(a => a.Length > 4_096))
        {
            throw DomainException.BadInput(field, $"'{field}' has at most 100 arguments of at most 4 KiB.");
        }

        return [.. command];
    }

    private static List<PortMapping> ValidPorts(IReadOnlyList<PortMapping> ports)
    {
        var seen = new HashSet<(int, PortProtocol)>();
        for (var i = 0; i < ports.Count; i++)
        {
            var p = ports[i];
            Validate.Range(p.ContainerPort, $"spec.ports[{i}].containerPort", 1, 65_535);
            if (p.HostPort is { } host)
            {
                Validate.Range(host, $"spec.ports[{i}].hostPort", 1, 65_535);
                if (!seen.Add((host, p.Protocol)))
                {
                    throw DomainException.BadInput($"spec.ports[{i}].hostPort", $"Host port {host}/{p.Protocol} is published twice.");
                }
            }
        }

        return [.. ports];
    }

    private static List<VolumeMount> ValidVolumes(IReadOnlyList<VolumeMount> volumes)
    {
        var paths = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < volumes.Count; i++)
        {
            var v = volumes[i];
            if (!VolumeNameRegex().IsMatch(v.Name ?? ""))
            {
                throw DomainException.BadInput($"spec.volumes[{i}].name", "Volumes are named volumes: a name of letters, digits, '_', '.', '-' (host paths are not allowed).");
            }

            if (string.IsNullOrEmpty(v.Path) || !v.Path.StartsWith('/') || v.Path.Contains("..", StringComparison.Ordinal) || v.Path.Length > 1_024)
            {
                throw DomainException.BadInput($"spec.volumes[{i}].path", "The mount path must be an absolute path inside the container.");
            }

            if (!paths.Add(v.Path))
            {
                throw DomainException.BadInput($"spec.volumes[{i}].path", $"'{v.Path}' is mounted twice.");
            }
        }

        return [.. volumes];
    }

    private static HealthCheck? ValidHealthCheck(HealthCheck? check)
    {
        if (check is null)
        {
            return null;
        }

        if (check.Command.Count == 0)
        {
            throw DomainException.BadInput("spec.healthCheck.command", "A health check needs a command.");
        }

        Validate.Range(check.IntervalSeconds, "spec.healthCheck.intervalSeconds", 1, 3_600);
        Validate.Range(check.TimeoutSeconds, "spec.healthCheck.timeoutSeconds", 1, 3_600);
        Validate.Range(check.Retries, "spec.healthCheck.retries", 1, 100);
        Validate.Range(check.StartPeriodSeconds, "spec.healthCheck.startPeriodSeconds", 0, 3_600);
        return check with { Command = ValidCommand(check.Command, "spec.healthCheck.command") };
    }
}
