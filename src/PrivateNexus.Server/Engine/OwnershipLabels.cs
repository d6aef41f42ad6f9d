namespace PrivateNexus.Server.Engine;

/// <summary>
/// Labels on every container, network and volume we create. The labels, not names, say what is
/// ours: anything with <see cref="Managed"/> belongs to PrivateNexus, and nothing else is touched.
/// </summary>
public static class OwnershipLabels
{
    public const string Managed = "io.privatenexus.managed";

    /// <summary>The node record a container belongs to, so two records for one engine never fight over it.</summary>
    public const string Node = "io.privatenexus.node";
    public const string Client = "io.privatenexus.client";
    public const string Service = "io.privatenexus.service";
    public const string Revision = "io.privatenexus.revision";
    public const string Replica = "io.privatenexus.replica";

    /// <summary>Bumped by a restart request; a container with an older value is replaced.</summary>
    public const string RestartGeneration = "io.privatenexus.restart";

    public static string NetworkName(string clientSlug) => $"pnx-{clientSlug}";

    /// <summary>Volumes are prefixed with the client, so two clients' "data" volumes never meet.</summary>
    public static string VolumeName(string clientSlug, string volume) => $"pnx-{clientSlug}-{volume}";
}
