using System.Globalization;
using PrivateNexus.Server.Engine;

namespace PrivateNexus.Server.Dashboard;

/// <summary>A node's state in a sentence: "node docker-2 offline since 10:42 UTC (connection refused)".</summary>
public static class NodeText
{
    public static string Describe(string name, NodeSnapshot state, bool drained)
    {
        var text = state.Status switch
        {
            NodeStatus.Offline => $"Node {name} offline{Since(state.LastSeenAt)}",
            NodeStatus.Degraded => $"Node {name} degraded (slow or failing calls){Since(state.LastSeenAt, "last answered")}",
            NodeStatus.Unknown => $"Node {name} not reached yet since the server started",
            _ => $"Node {name} online",
        };
        if (state.Status != NodeStatus.Online && state.LastError is { Length: > 0 } error)
        {
            text += $" ({error})";
        }

        return drained ? text + "; drained: takes no new services" : text;
    }

    private static string Since(DateTimeOffset? time, string word = "since") =>
        time is { } t ? $" {word} {t.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC" : "";
}
