using Microsoft.EntityFrameworkCore;
using PrivateNexus.Server.Authorization;
using PrivateNexus.Server.Common;
using PrivateNexus.Server.Data;
using PrivateNexus.Server.Engine;
using PrivateNexus.Server.Features.Audit;

namespace PrivateNexus.Server.Features.Clients;

/// <summary>Client organisations: the rules for reading and changing them.</summary>
public sealed class ClientService(PnxDbContext db, Rulebook rules, AuditLog audit, ReconcileSignals signals, TimeProvider time)
{
    public async Task<Page<Client>> ListAsync(ClientFilter filter, PageRequest page, CancellationToken cancellationToken)
    {
        var visible = await rules.ClientsAllowingAsync(Permission.ClientRead, cancellationToken);
        var query = db.Clients.AsNoTracking();
        if (visible is not null)
        {
            query = query.Where(c => visible.Contains(c.Id));
        }

        if (!string.IsNullOrWhiteSpace(filter.Search))
        {
            var term = filter.Search.Trim().ToLowerInvariant();
            query = query.Where(c => c.Name.ToLower().Contains(term) || c.Slug.Contains(term));
        }

        if (filter.Status is { } status)
        {
            query = query.Where(c => c.Status == status);
        }

        query = (filter.Sort, filter.Descending) switch
        {
            (ClientSort.CreatedAt, false) => query.OrderBy(c => c.CreatedAt).ThenBy(c => c.Id),
            (ClientSort.CreatedAt, true) => query.OrderByDescending(c => c.CreatedAt).ThenBy(c => c.Id),
            (_, false) => query.OrderBy(c => c.Name).ThenBy(c => c.Id),
            (_, true) => query.OrderByDescending(c => c.Name).ThenBy(c => c.Id),
        };
        return await query.ToPageAsync(page, cancellationToken);
    }

    public async Task<Client> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        await rules.RequireClientAsync(id, Permission.ClientRead, AuditTarget.Of("client", id, id), "Client", cancellationToken);
        return await db.Clients.AsNoTracking().SingleOrDefaultAsync(c => c.Id == id, cancellationToken)
            ?? throw DomainException.NotFound("Client");
    }

    /// <summary>Batch read for nested fields: returns only the clients the caller may read.</summary>
    public async Task<IReadOnlyDictionary<Guid, Client>> GetManyAsync(IReadOnlyCollection<Guid> ids, CancellationToken cancellationToken)
    {
        var visible = await rules.ClientsAllowingAsync(Permission.ClientRead, cancellationToken);
        var wanted = visible is null ? ids : ids.Where(visible.Contains).ToList();
        return await db.Clients.AsNoTracking().Where(c => wanted.Contains(c.Id)).ToDictionaryAsync(c => c.Id, cancellationToken);
    }

    public async Task<Client> CreateAsync(CreateClientInput input, CancellationToken cancellationToken)
    {
        var actor = await rules.RequirePlatformAsync(Permission.ClientManage, new("client", null, null), cancellationToken);
        var now = time.Now();
        var client = new Client
        {
            Name = Validate.Text(input.Name, "name", 200),
            Slug = Validate.DnsLabel(input.Slug, "slug"),
            Quota = ValidQuota(input.Quota ?? new ClientQuota()),
            ImagePolicy = ValidImagePolicy(input.ImagePolicy ?? []),
            CreatedAt = now,
            UpdatedAt = now,
            Version = 1,
        };
        if (await db.Clients.AnyAsync(c => c.Slug == client.Slug, cancellationToken))
        {
            throw DomainException.Conflict($"A client with slug '{client.Slug}' already exists.", "slug");
        }

        db.Clients.Add(client);
        audit.Add(actor, "client.create", AuditTarget.Of("client", client.Id, client.Id), new { client.Name, client.Slug, client.Quota, client.ImagePolicy });
        await SaveAsync(client.Slug, cancellationToken);
        return client;
    }

    public async Task<Client> UpdateAsync(UpdateClientInput input, CancellationToken cancellationToken)
    {
        var actor = await rules.RequireClientAsync(input.Id, Permission.ClientManage, AuditTarget.Of("client", input.Id, input.Id), "Client", cancellationToken);
        var client = await db.Clients.SingleOrDefaultAsync(c => c.Id == input.Id, cancellationToken) ?? throw DomainException.NotFound("Client");
        Validate.ExpectedVersion(input.ExpectedVersion, client.Version, "client");
        if (input.Name is not null)
        {
            client.Name = Validate.Text(input.Name, "name", 200);
        }

        if (input.Quota is not null)
        {
            client.Quota = ValidQuota(input.Quota);
        }

        if (input.ImagePolicy is not null)
        {
            client.ImagePolicy = ValidImagePolicy(input.ImagePolicy);
        }

        Touch(client);
        audit.Add(actor, "client.update", AuditTarget.Of("client", client.Id, client.Id), new { input.Name, input.Quota, input.ImagePolicy });
        await SaveAsync(client.Slug, cancellationToken);
        return client;
    }

    /// <summary>Suspending an already suspended client is a no-op success, so retries are safe.</summary>
    public async Task<Client> SetStatusAsync(Guid id, ClientStatus status, CancellationToken cancellationToken)
    {
        var actor = await rules.RequireClientAsync(id, Permission.ClientManage, AuditTarget.Of("client", id, id), "Client", cancellationToken);
        var client = await db.Clients.SingleOrDefaultAsync(c => c.Id == id, cancellationToken) ?? throw DomainException.NotFound("Client");
        if (client.Status == status)
        {
            return client;
        }

        client.Status = status;
        Touch(client);
        audit.Add(actor, status == ClientStatus.Suspended ? "client.suspend" : "client.resume", AuditTarget.Of("client", id, id));
        await SaveAsync(client.Slug, cancellationToken);

        // A suspended client's services stop; resumed, they run again.
        signals.ConvergeAll();
        return client;
    }

    /// <summary>Deleting needs the client to have no services left, so nothing keeps running unowned.</summary>
    public async Task<Guid> DeleteAsync(Guid id, CancellationToken cancellationToken)
    {
        var actor = await rules.RequireClientAsync(id, Permission.ClientManage, AuditTarget.Of("client", id, id), "Client", cancellationToken);
        var client = await db.Clients.SingleOrDefaultAsync(c => c.Id == id, cancellationToken) ?? throw DomainException.NotFound("Client");
        if (await db.Services.AnyAsync(s => s.ClientId == id, cancellationToken))
        {
            throw DomainException.Conflict("The client still has services; remove them first.");
        }

        db.Clients.Remove(client);
        audit.Add(actor, "client.delete", AuditTarget.Of("client", id, null), new { client.Slug });
        await db.SaveChangesAsync(cancellationToken);
        return id;
    }

    private void Touch(Client client)
    {
        client.UpdatedAt = time.Now();
        client.Version++;
    }

    private Task SaveAsync(string slug, CancellationToken cancellationToken) =>
        db.SaveOrConflictAsync("client", $"A client with slug '{slug}' already exists.", "slug", cancellationToken);

    private static ClientQuota ValidQuota(ClientQuota quota) => new()
    {
        CpuMillicores = Validate.Range(quota.CpuMillicores, "quota.cpuMillicores", 0, 1_024_000),
        MemoryMiB = Validate.Range(quota.MemoryMiB, "quota.memoryMiB", 0, 16_777_216),
        Services = Validate.Range(quota.Services, "quota.services", 0, 10_000),
    };

    private static List<string> ValidImagePolicy(IReadOnlyList<string> patterns)
    {
        var result = new List<string>();
        for (var i = 0; i < patterns.Count; i++)
        {
            var p = patterns[i].Trim();
            if (p.Length is 0 or > 255 || p.Any(char.IsWhiteSpace))
            {
                throw DomainException.BadInput($"imagePolicy[{i}]", "Image patterns are non-empty, at most 255 characters, without spaces.");
            }

            result.Add(p);
        }

        return result;
    }
}
