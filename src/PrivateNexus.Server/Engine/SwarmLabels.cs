using System.Globalization;

namespace PrivateNexus.Server.Engine;

/// <summary>
/// Labels Swarm itself puts on the containers of its tasks, beside the ones we give the service's
/// container spec (which Docker copies onto every task's container).
/// </summary>
public static class SwarmLabels
{
    public const string ServiceId = "com.docker.swarm.service.id";
    public const string ServiceName = "com.docker.swarm.service.name";

    /// <summary><c>&lt;service name&gt;.&lt;slot&gt;.&lt;task id&gt;</c> for a replicated service.</summary>
    public const string TaskName = "com.docker.swarm.task.name";

    public const string TaskId = "com.docker.swarm.task.id";

    /// <summary>
    /// A task's replica number: its slot (1…N) less one, so that replicas count from 0 as for our own
    /// containers. A container spec is the same for every task, so no label of ours can say it.
    /// </summary>
    public static int Replica(IDictionary<string, string> labels)
    {
        if (!labels.TryGetValue(TaskName, out var task) || !labels.TryGetValue(ServiceName, out var service) || !task.StartsWith(service + ".", StringComparison.Ordinal))
        {
            return 0;
        }

        var rest = task[(service.Length + 1)..];
        var dot = rest.IndexOf('.', StringComparison.Ordinal);
        return int.TryParse(dot < 0 ? rest : rest[..dot], NumberStyles.Integer, CultureInfo.InvariantCulture, out var slot) && slot > 0 ? slot - 1 : 0;
    }
}
