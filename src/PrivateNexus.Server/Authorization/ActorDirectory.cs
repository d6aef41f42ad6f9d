using System.ComponentModel;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Hybrid;
using PrivateNexus.Server.Data;
using PrivateNexus.Server.Events;
using PrivateNexus.Server.Features.Memberships;
using PrivateNexus.Server.Features.Users;

namespace PrivateNexus.Server.Authorization;

/// <summary>What the rulebook needs to know about a principal, as of the last change. Immutable, so the cache hands out one instance instead of copies.</summary>
[ImmutableObject(true)]
public sealed record PrincipalSnapshot(
    string Name,
    string? Email,
    string? DisplayName,
    bool Active,
    PlatformRole PlatformRole,
    IReadOnlyDictionary<Guid, ClientRole> ClientRoles);

/// <summary>
/// Caches each principal's roles so a request pays no database round trip for authorization: in
/// memory, and in Redis as the second level when configured (HybridCache), so a replica that has
/// not seen a principal yet still skips the database. Every feature service that changes a role,
/// membership, status or automation client invalidates it in the same request — on this replica
/// and, over the bus, on every other — so a change takes effect on the next request anywhere.
/// </summary>
public sealed class ActorDirectory(HybridCache cache, IServiceScopeFactory scopes, EventBus bus)
{
    private static readonly HybridCacheEntryOptions Lifetime = new() { Expiration = TimeSpan.FromMinutes(5), LocalCacheExpiration = TimeSpan.FromMinutes(5) };

    public async Task<PrincipalSnapshot?> GetUserAsync(Guid userId, CancellationToken cancellationToken) =>
        await cache.GetOrCreateAsync(Key("user", userId.ToString()), async ct =>
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<PnxDbContext>();
            var user = await db.Users.AsNoTracking()
                .Where(u => u.Id == userId)
                .Select(u => new { u.Email, u.DisplayName, u.Status, u.PlatformRole })
                .SingleOrDefaultAsync(ct);
            if (user is null)
            {
                return null;
            }

            var roles = await db.Memberships.AsNoTracking()
                .Where(m => m.UserId == userId)
                .ToDictionaryAsync(m => m.ClientId, m => m.Role, ct);
            return new PrincipalSnapshot(
                string.IsNullOrEmpty(user.DisplayName) ? user.Email ?? userId.ToString() : user.DisplayName,
                user.Email,
                user.DisplayName,
                user.Status == UserStatus.Active,
                user.PlatformRole,
                roles);
        },
        Lifetime,
        cancellationToken: cancellationToken);

    public async Task<PrincipalSnapshot?> GetApplicationAsync(string clientIdentifier, CancellationToken cancellationToken) =>
        await cache.GetOrCreateAsync(Key("app", clientIdentifier), async ct =>
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<PnxDbContext>();
            var app = await db.AutomationClients.AsNoTracking()
                .SingleOrDefaultAsync(a => a.ClientIdentifier == clientIdentifier, ct);
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
        },
        Lifetime,
        cancellationToken: cancellationToken);

    /// <summary>
    /// Drops the user's snapshot from both cache levels first, then tells every replica (the bus) to
    /// drop its in-memory copy — in that order, so no replica can refill from a stale second level.
    /// Open subscriptions of the user re-check at once.
    /// </summary>
    public Task InvalidateUserAsync(Guid userId) => InvalidateAsync(new PrincipalChanged(PrincipalKind.User, userId.ToString()));

    public Task InvalidateApplicationAsync(string clientIdentifier) => InvalidateAsync(new PrincipalChanged(PrincipalKind.Application, clientIdentifier));

    /// <summary>Called for every <see cref="PrincipalChanged"/>, local or from another replica: this replica's copy goes.</summary>
    internal void Forget(PrincipalChanged change) => _ = cache.RemoveAsync(Key(change)).AsTask();

    private async Task InvalidateAsync(PrincipalChanged change)
    {
        await cache.RemoveAsync(Key(change));
        bus.Publish(change);
    }

    private static string Key(PrincipalChanged change) => Key(change.Kind == PrincipalKind.User ? "user" : "app", change.Id);

    private static string Key(string kind, string id) => $"pnx:actor:{kind}:{id}";
}
