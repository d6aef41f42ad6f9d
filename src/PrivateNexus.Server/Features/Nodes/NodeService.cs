using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PrivateNexus.Server.Authorization;
using PrivateNexus.Server.Common;
using PrivateNexus.Server.Data;
using PrivateNexus.Server.Engine;
using PrivateNexus.Server.Features.Audit;

namespace PrivateNexus.Server.Features.Nodes;

/// <summary>Docker engines: platform staff read them, admins manage them.</summary>
public sealed class NodeService(
    PnxDbContext db,
    Rulebook rules,
    AuditLog audit,
    SecretProtector secrets,
    ReconcileSignals signals,
    EngineClientFactory engines,
    IOptions<EngineOptions> engineOptions,
    TimeProvider time)
{
    public async Task<IReadOnlyList<Node>> ListAsync(CancellationToken cancellationToken)
    {
        await rules.RequirePlatformAsync(Permission.NodeRead, new("node", null, null), cancellationToken);
        return await db.Nodes.AsNoTracking().OrderBy(n => n.Name).ToListAsync(cancellationToken);
    }

    /// <summary>
    /// The nodes services are placed on, for callers who may see nodes; for everyone else nothing
    /// (not a refusal: a client's people simply do not see where their services run).
    /// </summary>
    public async Task<IReadOnlyDictionary<Guid, Node>> PlacementsAsync(IReadOnlyCollection<Guid> ids, CancellationToken cancellationToken)
    {
        var actor = await rules.RequireAuthenticatedAsync(cancellationToken);
        if (!Rulebook.AllowsPlatform(actor, Permission.NodeRead))
        {
            return new Dictionary<Guid, Node>();
        }

        return await db.Nodes.AsNoTracking().Where(n => ids.Contains(n.Id)).ToDictionaryAsync(n => n.Id, cancellationToken);
    }

    public async Task<Node> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        await rules.RequirePlatformAsync(Permission.NodeRead, AuditTarget.Of("node", id), cancellationToken);
        return await db.Nodes.AsNoTracking().SingleOrDefaultAsync(n => n.Id == id, cancellationToken) ?? throw DomainException.NotFound("Node");
    }

    /// <summary>Whether the actor may see nodes (checked again for every pushed event).</summary>
    public static bool MayRead(Actor actor) => Rulebook.AllowsPlatform(actor, Permission.NodeRead);

    /// <summary>Checks a subscription to node changes (one node, or all), as reading nodes is checked.</summary>
    public async Task AuthorizeWatchAsync(Guid? nodeId, CancellationToken cancellationToken)
    {
        if (nodeId is { } id)
        {
            await GetAsync(id, cancellationToken);
        }
        else
        {
            await rules.RequirePlatformAsync(Permission.NodeRead, new("node", null, null), cancellationToken);
        }
    }

    /// <summary>For pushed events: the node if the caller may see nodes now, else null (nothing audited).</summary>
    public async Task<Node?> FindVisibleAsync(Guid id, CancellationToken cancellationToken)
    {
        var actor = await rules.ActorAsync(cancellationToken);
        return MayRead(actor)
            ? await db.Nodes.AsNoTracking().SingleOrDefaultAsync(n => n.Id == id, cancellationToken)
            : null;
    }

    /// <summary>
    /// Connects to the node now and reports what the engine says. An explicit admin action, so it
    /// may wait on the engine — bounded by the call timeout; unreachable is an answer, not an error.
    /// </summary>
    public async Task<NodeTestResult> TestAsync(Guid id, CancellationToken cancellationToken)
    {
        var actor = await rules.RequirePlatformAsync(Permission.NodeManage, AuditTarget.Of("node", id), cancellationToken);
        var node = await db.Nodes.AsNoTracking().SingleOrDefaultAsync(n => n.Id == id, cancellationToken) ?? throw DomainException.NotFound("Node");
        NodeTestResult result;
        try
        {
            using var client = engines.Create(node);
            var info = await new EngineCalls(client, id, engineOptions.Value.CallTimeout, engineOptions.Value.PullTimeout).InfoAsync(cancellationToken);
            result = new NodeTestResult(true, info, null);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            result = new NodeTestResult(false, null, ex is OperationCanceledException ? "The engine did not answer in time." : ex.Message);
        }

        await audit.RecordNowAsync(actor, "node.test", AuditTarget.Of("node", id), result.Reachable ? AuditOutcome.Success : AuditOutcome.Failed, new { result.Error }, cancellationToken);
        return result;
    }

    public async Task<Node> CreateAsync(CreateNodeInput input, CancellationToken cancellationToken)
    {
        var actor = await rules.RequirePlatformAsync(Permission.NodeManage, new("node", null, null), cancellationToken);
        var now = time.Now();
        var node = new Node
        {
            Name = Validate.DnsLabel(input.Name, "name"),
            Endpoint = ValidEndpoint(input.Endpoint),
            Labels = ValidLabels(input.Labels),
            CreatedAt = now,
            UpdatedAt = now,
            Version = 1,
        };
        ApplyTls(node, input.Tls);
        if (await db.Nodes.AnyAsync(n => n.Name == node.Name, cancellationToken))
        {
            throw DomainException.Conflict($"A node named '{node.Name}' already exists.", "name");
        }

        db.Nodes.Add(node);
        audit.Add(actor, "node.create", AuditTarget.Of("node", node.Id), new { node.Name, node.Endpoint, node.Labels, tls = input.Tls is not null });
        await SaveAsync(node.Name, cancellationToken);
        signals.NodeSetChanged();
        return node;
    }

    public async Task<Node> UpdateAsync(UpdateNodeInput input, CancellationToken cancellationToken)
    {
        var actor = await rules.RequirePlatformAsync(Permission.NodeManage, AuditTarget.Of("node", input.Id), cancellationToken);
        var node = await db.Nodes.SingleOrDefaultAsync(n => n.Id == input.Id, cancellationToken) ?? throw DomainException.NotFound("Node");
        Validate.ExpectedVersion(input.ExpectedVersion, node.Version, "node");
        if (input.Endpoint is not null)
        {
            node.Endpoint = ValidEndpoint(input.Endpoint);
        }

        if (input.Labels is not null)
        {
            node.Labels = ValidLabels(input.Labels);
        }

        if (input.Drained is { } drained)
        {
            node.Drained = drained;
        }

        if (input.Tls is not null)
        {
            ApplyTls(node, input.Tls);
        }

        node.UpdatedAt = time.Now();
        node.Version++;
        audit.Add(actor, "node.update", AuditTarget.Of("node", node.Id), new { input.Endpoint, input.Labels, input.Drained, tls = input.Tls is not null });
        await SaveAsync(node.Name, cancellationToken);
        signals.NodeSetChanged();
        return node;
    }

    public async Task<Guid> DeleteAsync(Guid id, CancellationToken cancellationToken)
    {
        var actor = await rules.RequirePlatformAsync(Permission.NodeManage, AuditTarget.Of("node", id), cancellationToken);
        var node = await db.Nodes.SingleOrDefaultAsync(n => n.Id == id, cancellationToken) ?? throw DomainException.NotFound("Node");
        if (await db.Services.AnyAsync(s => s.NodeId == id, cancellationToken))
        {
            throw DomainException.Conflict("Services are still placed on this node; move or remove them first (drain it meanwhile).");
        }

        db.Nodes.Remove(node);
        audit.Add(actor, "node.delete", AuditTarget.Of("node", id), new { node.Name });
        await db.SaveChangesAsync(cancellationToken);
        signals.NodeSetChanged();
        return id;
    }

    private void ApplyTls(Node node, NodeTlsInput? tls)
    {
        if (tls is null)
        {
            return;
        }

        node.TlsCaCertificate = ValidPem(tls.CaCertificate, "tls.caCertificate", "CERTIFICATE");
        node.TlsClientCertificate = ValidPem(tls.ClientCertificate, "tls.clientCertificate", "CERTIFICATE");
        var key = ValidPem(tls.ClientKey, "tls.clientKey", "PRIVATE KEY");
        node.TlsClientKeyProtected = key is null ? null : secrets.Protect(key);
        if ((node.TlsClientCertificate is null) != (key is null))
        {
            throw DomainException.BadInput("tls.clientKey", "A client certificate and its key go together.");
        }
    }

    private static string? ValidPem(string? pem, string field, string kind)
    {
        if (string.IsNullOrWhiteSpace(pem))
        {
            return null;
        }

        return pem.Contains("-----BEGIN", StringComparison.Ordinal) && pem.Contains(kind, StringComparison.Ordinal)
            ? pem.Trim()
            : throw DomainException.BadInput(field, $"'{field}' must be PEM ({kind}).");
    }

    private static string ValidEndpoint(string endpoint)
    {
        var value = Validate.Text(endpoint, "endpoint", 500);
        return Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "unix" or "tcp" or "npipe"
            ? value
            : throw DomainException.BadInput("endpoint", "'endpoint' must be unix:///path/to/docker.sock or tcp://host:port.");
    }

    private static Dictionary<string, string> ValidLabels(IReadOnlyDictionary<string, string>? labels)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in labels ?? new Dictionary<string, string>())
        {
            if (key.Length is 0 or > 63 || value.Length > 255)
            {
                throw DomainException.BadInput($"labels.{key}", "Label keys are 1–63 characters, values at most 255.");
            }

            result[key] = value;
        }

        return result;
    }

    private Task SaveAsync(string name, CancellationToken cancellationToken) =>
        db.SaveOrConflictAsync("node", $"A node named '{name}' already exists.", "name", cancellationToken);
}

public sealed record NodeTestResult(bool Reachable, EngineInfo? Engine, string? Error);
