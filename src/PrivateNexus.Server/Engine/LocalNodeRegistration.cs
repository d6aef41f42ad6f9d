using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PrivateNexus.Server.Authorization;
using PrivateNexus.Server.Data;
using PrivateNexus.Server.Features.Nodes;

namespace PrivateNexus.Server.Engine;

/// <summary>
/// The embedded default: with no node registered and a local Docker socket (or DOCKER_HOST), the
/// local engine becomes the node "local", so a fresh install can run services at once.
/// </summary>
public sealed class LocalNodeRegistration(PnxDbContext db, NodeService nodes, CurrentActor current, IOptions<EngineOptions> options, ILogger<LocalNodeRegistration> logger)
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.RegisterLocalNode || await db.Nodes.AnyAsync(cancellationToken))
        {
            return;
        }

        var endpoint = Environment.GetEnvironmentVariable("DOCKER_HOST") is { Length: > 0 } host ? host
            : File.Exists("/var/run/docker.sock") ? "unix:///var/run/docker.sock"
            : null;
        if (endpoint is null)
        {
            logger.LogInformation("No Docker engine found locally; add a node to run services");
            return;
        }

        current.Set(Actor.System with { Name = "startup" });
        await nodes.CreateAsync(new CreateNodeInput("local", endpoint, null, new Dictionary<string, string> { ["role"] = "local" }), cancellationToken);
        logger.LogInformation("Registered the local Docker engine {Endpoint} as node 'local'", endpoint);
    }
}
