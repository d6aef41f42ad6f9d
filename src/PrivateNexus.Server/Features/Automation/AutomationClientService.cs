using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using OpenIddict.Abstractions;
using PrivateNexus.Server.Authorization;
using PrivateNexus.Server.Common;
using PrivateNexus.Server.Data;
using PrivateNexus.Server.Features.Audit;
using PrivateNexus.Server.Features.Memberships;
using PrivateNexus.Server.Features.Users;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace PrivateNexus.Server.Features.Automation;

/// <summary>For a platform application leave <see cref="OrganisationId"/> null and give a platform role.</summary>
public sealed record CreateAutomationClientInput(string Name, Guid? OrganisationId, string Role, IReadOnlyList<string>? Scopes);

/// <summary>The OAuth credentials, returned exactly once.</summary>
public sealed record CreatedAutomationClient(AutomationClient Client, string ClientSecret);

/// <summary>OAuth client-credentials applications: admins register platform ones, owners their client's.</summary>
public sealed class AutomationClientService(
    PnxDbContext db,
    Rulebook rules,
    AuditLog audit,
    ActorDirectory directory,
    IOpenIddictApplicationManager applications,
    TimeProvider time)
{
    public async Task<IReadOnlyList<AutomationClient>> ListAsync(Guid? organisationId, CancellationToken cancellationToken)
    {
        var query = db.AutomationClients.AsNoTracking();
        if (organisationId is { } org)
        {
            await rules.RequireClientAsync(org, Permission.AutomationManage, AuditTarget.Of("client", org, org), "Client", cancellationToken);
            query = query.Where(a => a.OrganisationId == org);
        }
        else
        {
            await rules.RequirePlatformAsync(Permission.AutomationManage, new("automation", null, null), cancellationToken);
        }

        return await query.OrderBy(a => a.DisplayName).ToListAsync(cancellationToken);
    }

    public async Task<CreatedAutomationClient> CreateAsync(CreateAutomationClientInput input, CancellationToken cancellationToken)
    {
        var actor = input.OrganisationId is { } org
            ? await rules.RequireClientAsync(org, Permission.AutomationManage, AuditTarget.Of("client", org, org), "Client", cancellationToken)
            : await rules.RequirePlatformAsync(Permission.AutomationManage, new("automation", null, null), cancellationToken);
        var created = await CreateUncheckedAsync(input, actor, cancellationToken);
        return created;
    }

    /// <summary>Creates without a rule check: for the <c>create-client-app</c> command run by the operator on the host.</summary>
    internal async Task<CreatedAutomationClient> CreateUncheckedAsync(CreateAutomationClientInput input, Actor actor, CancellationToken cancellationToken)
    {
        var name = Validate.Text(input.Name, "name", 200);
        var role = input.OrganisationId is null
            ? ParseRole<PlatformRole>(input.Role, [PlatformRole.Admin, PlatformRole.Operator])
            : ParseRole<ClientRole>(input.Role, [ClientRole.Owner, ClientRole.Member, ClientRole.Viewer]);
        if (input.OrganisationId is { } org && !await db.Clients.AnyAsync(c => c.Id == org, cancellationToken))
        {
            throw DomainException.NotFound("Client");
        }

        var scopes = (input.Scopes is { Count: > 0 } s ? s : ApiScopes.All).Distinct(StringComparer.Ordinal).ToList();
        if (scopes.FirstOrDefault(x => !ApiScopes.All.Contains(x)) is { } unknown)
        {
            throw DomainException.BadInput("scopes", $"Unknown scope '{unknown}'.");
        }

        var clientId = "app_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(10));
        var secret = System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var descriptor = new OpenIddictApplicationDescriptor
        {
            ClientId = clientId,
            ClientSecret = secret,
            ClientType = ClientTypes.Confidential,
            DisplayName = name,
            Permissions =
            {
                Permissions.Endpoints.Token,
                Permissions.Endpoints.Revocation,
                Permissions.Endpoints.Introspection,
                Permissions.GrantTypes.ClientCredentials,
            },
        };
        foreach (var scope in scopes)
        {
            descriptor.Permissions.Add(Permissions.Prefixes.Scope + scope);
        }

        var row = new AutomationClient
        {
            ClientIdentifier = clientId,
            DisplayName = name,
            OrganisationId = input.OrganisationId,
            Role = role,
            Scopes = scopes,
            CreatedAt = time.Now(),
        };
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        db.AutomationClients.Add(row);
        audit.Add(actor, "automation.create", new("automation", clientId, input.OrganisationId), new { name, role, scopes });
        await db.SaveChangesAsync(cancellationToken);
        await applications.CreateAsync(descriptor, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new CreatedAutomationClient(row, secret);
    }

    /// <summary>Revoked applications get no new tokens, and their live tokens stop working on the next request.</summary>
    public async Task<AutomationClient> RevokeAsync(Guid id, CancellationToken cancellationToken)
    {
        var row = await db.AutomationClients.SingleOrDefaultAsync(a => a.Id == id, cancellationToken);

        // A missing row is checked like another tenant's: the answer must not tell the two apart.
        var actor = row is null || row.OrganisationId is not null
            ? await rules.RequireClientAsync(row?.OrganisationId ?? Guid.Empty, Permission.AutomationManage, AuditTarget.Of("automation", id, row?.OrganisationId), "Automation client", cancellationToken)
            : await rules.RequirePlatformAsync(Permission.AutomationManage, AuditTarget.Of("automation", id), cancellationToken);
        if (row is null)
        {
            throw DomainException.NotFound("Automation client");
        }

        if (row.RevokedAt is null)
        {
            row.RevokedAt = time.Now();
            audit.Add(actor, "automation.revoke", new("automation", row.ClientIdentifier, row.OrganisationId));
            await db.SaveChangesAsync(cancellationToken);
            if (await applications.FindByClientIdAsync(row.ClientIdentifier, cancellationToken) is { } app)
            {
                await applications.DeleteAsync(app, cancellationToken);
            }
        }

        await directory.InvalidateApplicationAsync(row.ClientIdentifier);
        return row;
    }

    private static string ParseRole<T>(string value, T[] allowed)
        where T : struct, Enum =>
        Enum.TryParse<T>(value, ignoreCase: true, out var role) && allowed.Contains(role)
            ? role.ToString()
            : throw DomainException.BadInput("role", $"Role must be one of: {string.Join(", ", allowed)}.");
}
