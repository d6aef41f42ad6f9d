using System.Text.RegularExpressions;
using PrivateNexus.Server.Common;
using PrivateNexus.Server.Features.Clients;

namespace PrivateNexus.Server.Features.Services;

/// <summary>A client's own limits on what it may run: its image allow-list and its quotas.</summary>
public static class ClientPolicy
{
    public static void EnsureImageAllowed(Client client, string image)
    {
        // Docker treats "nginx" as "docker.io/library/nginx:latest"; patterns match what the caller wrote.
        var allowed = client.ImagePolicy.Any(pattern => Matches(pattern, image));
        if (!allowed)
        {
            throw DomainException.BadInput("spec.image", $"Image '{image}' is not allowed by the client's image policy.");
        }
    }

    /// <summary>Checks the client's quotas with <paramref name="candidate"/> in place of the service it replaces.</summary>
    public static void EnsureWithinQuota(Client client, IEnumerable<ServiceSpec> others, ServiceSpec candidate, bool isNewService, int serviceCount)
    {
        var specs = others.Append(candidate).ToList();
        if (isNewService && serviceCount + 1 > client.Quota.Services)
        {
            throw DomainException.BadInput("clientId", $"The client's quota allows {client.Quota.Services} service(s).");
        }

        var cpu = specs.Sum(s => (long)s.CpuMillicores * s.Replicas);
        if (cpu > client.Quota.CpuMillicores)
        {
            throw DomainException.BadInput("spec.cpuMillicores", $"This needs {cpu} millicores in total; the client's quota is {client.Quota.CpuMillicores}.");
        }

        var memory = specs.Sum(s => (long)s.MemoryMiB * s.Replicas);
        if (memory > client.Quota.MemoryMiB)
        {
            throw DomainException.BadInput("spec.memoryMiB", $"This needs {memory} MiB in total; the client's quota is {client.Quota.MemoryMiB} MiB.");
        }
    }

    internal static bool Matches(string pattern, string image)
    {
        var regex = "^" + Regex.Escape(pattern).Replace("\\*", ".*", StringComparison.Ordinal) + "$";
        return Regex.IsMatch(image, regex, RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(50));
    }
}
