using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using PrivateNexus.Server.Data;
using PrivateNexus.Server.Events;
using PrivateNexus.Server.Features.Memberships;
using PrivateNexus.Server.Features.Users;

namespace PrivateNexus.Server.Authorization;

/// <summary>What the rulebook needs to know about a principal, as of the last change.</summary>
public sealed record PrincipalSnapshot(
    string Name,
    string? Email,
    string? DisplayName,
    bool Active,
    PlatformRole PlatformRole,
    IReadOnlyDictionary<Guid, ClientRole> ClientRoles);

/// <summary>
/// Caches each principal's roles so a request pays no database round trip for authorization.
/// Every feature service that changes a role, membership, status or automation client calls
/// <see cref="Invalidate"/> in the same request, so a change takes effect on the next request.
/// </summary>
public sealed class ActorDirectory(IMemoryCache cache, IServiceScopeFactory scopes, EventBus bus)
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);

    public async Task<PrincipalSnapshot?> GetUserAsync(Guid userId, CancellationToken cancellationToken) =>
        await cache.GetOrCreateAsync(Key("user", userId.ToString()), async entry =>
        {
            entry.AbsoluteExpirationRelativeToNow = Lifetime;
            entry.Size = 1;
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<PnxDbContext>();
            var user = await db.Users.AsNoTracking()
                .Where(u => u.Id == userId)
                .Select(u => new { u.Email, u.DisplayName, u.Status, u.PlatformRole })
                .SingleOrDefaultAsync(cancellationToken);
            if (user is null)
            {
                return null;
            }

            var roles = await db.Memberships.AsNoTracking()
                .Where(m => m.UserId == userId)
                .ToDictionaryAsync(m => m.ClientId, m => m.Role, cancellationToken);
            return new PrincipalSnapshot(
                string.IsNullOrEmpty(user.DisplayName) ? user.Email ?? userId.ToString() : user.DisplayName,
                user.Email,
                user.DisplayName,
                user.Status == UserStatus.Active,
                user.PlatformRole,
                roles);
        });

    public async Task<PrincipalSnapshot?> GetApplicationAsync(string clientIdentifier, CancellationToken cancellationToken) =>
        await cache.GetOrCreateAsync(Key("app", clientIdentifier), async entry =>
        {
            entry.AbsoluteExpirationRelativeToNow = Lifetime;
            entry.Size = 1;
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<PnxDbContext>();
            var app = await db.AutomationClients.AsNoTracking()
                .SingleOrDefaultAsync(a => a.ClientIdentifier == clientIdentifier, cancellationToken);
            if (app is null)
            {
                return null;
            }

            var roles = new Dictionary<Guid, ClientRole>();
            var platformRole = PlatformRole.None;
            if (app.OrganisationId is { } org)
            {
                roles[org] = Enum.Parse<ClientRole>(app.Role);
            }
            else
            {
                platformRole = Enum.Parse<PlatformRole>(app.Role);
            }

            return new PrincipalSnapshot(app.DisplayName, null, app.DisplayName, app.RevokedAt is null, platformRole, roles);
        });

    /// <summary>Drops the user's snapshot here and, through the bus, on every other replica; open subscriptions re-check.</summary>
    public void InvalidateUser(Guid userId) => bus.Publish(new PrincipalChanged(PrincipalKind.User, userId.ToString()));

    public void InvalidateApplication(string clientIdentifier) => bus.Publish(new PrincipalChanged(PrincipalKind.Application, clientIdentifier));

    /// <summary>Called for every <see cref="PrincipalChanged"/>, local or from another replica.</summary>
    internal void Forget(PrincipalChanged change) =>
        cache.Remove(Key(change.Kind == PrincipalKind.User ? "user" : "app", change.Id));

    private static string Key(string kind, string id) => $"pnx:actor:{kind}:{id}";
}
