using Microsoft.EntityFrameworkCore;
using PrivateNexus.Server.Authorization;
using PrivateNexus.Server.Common;
using PrivateNexus.Server.Data;
using PrivateNexus.Server.Features.Audit;
using PrivateNexus.Server.Features.Users;

namespace PrivateNexus.Server.Features.Memberships;

/// <summary>Who belongs to a client and in which role. Owners manage their own client's people.</summary>
public sealed class MembershipService(
    PnxDbContext db,
    Rulebook rules,
    AuditLog audit,
    ActorDirectory directory,
    UserService userService,
    TimeProvider time)
{
    public async Task<IReadOnlyList<Membership>> ListForClientAsync(Guid clientId, CancellationToken cancellationToken)
    {
        await rules.RequireClientAsync(clientId, Permission.MembersRead, AuditTarget.Of("client", clientId, clientId), "Client", cancellationToken);
        return await db.Memberships.AsNoTracking().Include(m => m.User)
            .Where(m => m.ClientId == clientId)
            .OrderBy(m => m.User!.NormalizedEmail)
            .ToListAsync(cancellationToken);
    }

    /// <summary>Memberships of a user, limited to the clients the caller may see members of.</summary>
    public async Task<IReadOnlyList<Membership>> ListForUserAsync(Guid userId, CancellationToken cancellationToken)
    {
        var actor = await rules.RequireAuthenticatedAsync(cancellationToken);
        var query = db.Memberships.AsNoTracking().Where(m => m.UserId == userId);
        if (actor.UserId != userId)
        {
            var visible = await rules.ClientsAllowingAsync(Permission.MembersRead, cancellationToken);
            if (visible is not null)
            {
                query = query.Where(m => visible.Contains(m.ClientId));
            }
        }

        return await query.OrderBy(m => m.CreatedAt).ToListAsync(cancellationToken);
    }

    /// <summary>
    /// Adds a person by e-mail. Someone without an account gets one, and the caller gets a one-time
    /// link to hand over. Adding an existing member again with the same role succeeds unchanged.
    /// </summary>
    public async Task<MembershipWithInvitation> AddAsync(Guid clientId, string email, ClientRole role, CancellationToken cancellationToken)
    {
        var actor = await rules.RequireClientAsync(clientId, Permission.MembersManage, AuditTarget.Of("client", clientId, clientId), "Client", cancellationToken);
        EnsureRoleAllowed(role);
        var normalized = Validate.Text(email, "email", 256).ToUpperInvariant();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var user = await db.Users.SingleOrDefaultAsync(u => u.NormalizedEmail == normalized, cancellationToken);
        string? invitation = null;
        if (user is null)
        {
            var created = await userService.CreateUncheckedAsync(new CreateUserInput(email, null, null), cancellationToken);
            (user, invitation) = (created.User, created.InvitationUrl);
        }

        var membership = await db.Memberships.SingleOrDefaultAsync(m => m.ClientId == clientId && m.UserId == user.Id, cancellationToken);
        if (membership is not null && membership.Role != role)
        {
            throw DomainException.Conflict("This person is already a member with another role; change the role instead.", "role");
        }

        if (membership is null)
        {
            membership = new Membership { ClientId = clientId, UserId = user.Id, Role = role, CreatedAt = time.Now() };
            db.Memberships.Add(membership);
            audit.Add(actor, "membership.add", new("user", user.Id.ToString(), clientId), new { email, role, invited = invitation is not null });
            await db.SaveChangesAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        await directory.InvalidateUserAsync(user.Id);
        membership.User = user;
        return new MembershipWithInvitation(membership, invitation);
    }

    public async Task<Membership> ChangeRoleAsync(Guid clientId, Guid userId, ClientRole role, CancellationToken cancellationToken)
    {
        var actor = await rules.RequireClientAsync(clientId, Permission.MembersManage, AuditTarget.Of("client", clientId, clientId), "Client", cancellationToken);
        EnsureRoleAllowed(role);
        var membership = await db.Memberships.Include(m => m.User)
            .SingleOrDefaultAsync(m => m.ClientId == clientId && m.UserId == userId, cancellationToken) ?? throw DomainException.NotFound("Membership");
        if (membership.Role == role)
        {
            return membership;
        }

        await EnsureAnotherOwnerRemainsAsync(membership, cancellationToken);
        membership.Role = role;
        audit.Add(actor, "membership.role", new("user", userId.ToString(), clientId), new { role });
        await db.SaveChangesAsync(cancellationToken);
        await directory.InvalidateUserAsync(userId);
        return membership;
    }

    public async Task<Guid> RemoveAsync(Guid clientId, Guid userId, CancellationToken cancellationToken)
    {
        var actor = await rules.RequireClientAsync(clientId, Permission.MembersManage, AuditTarget.Of("client", clientId, clientId), "Client", cancellationToken);
        var membership = await db.Memberships
            .SingleOrDefaultAsync(m => m.ClientId == clientId && m.UserId == userId, cancellationToken) ?? throw DomainException.NotFound("Membership");
        await EnsureAnotherOwnerRemainsAsync(membership, cancellationToken);
        db.Memberships.Remove(membership);
        audit.Add(actor, "membership.remove", new("user", userId.ToString(), clientId));
        await db.SaveChangesAsync(cancellationToken);
        await directory.InvalidateUserAsync(userId);
        return userId;
    }

    private static void EnsureRoleAllowed(ClientRole role)
    {
        if (!Enum.IsDefined(role))
        {
            throw DomainException.BadInput("role", "Unknown role.");
        }
    }

    /// <summary>A client keeps at least one owner, unless the platform staff take over.</summary>
    private async Task EnsureAnotherOwnerRemainsAsync(Membership membership, CancellationToken cancellationToken)
    {
        var actor = await rules.ActorAsync(cancellationToken);
        if (membership.Role != ClientRole.Owner || actor.PlatformRole == PlatformRole.Admin)
        {
            return;
        }

        var owners = await db.Memberships.CountAsync(m => m.ClientId == membership.ClientId && m.Role == ClientRole.Owner, cancellationToken);
        if (owners <= 1)
        {
            throw DomainException.Conflict("A client must keep at least one owner.");
        }
    }
}

public sealed record MembershipWithInvitation(Membership Membership, string? InvitationUrl);
