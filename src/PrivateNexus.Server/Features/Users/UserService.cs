using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using PrivateNexus.Server.Authorization;
using PrivateNexus.Server.Common;
using PrivateNexus.Server.Data;
using PrivateNexus.Server.Features.Audit;

namespace PrivateNexus.Server.Features.Users;

/// <summary>Platform user administration (admins) and the caller's own account.</summary>
public sealed class UserService(
    PnxDbContext db,
    UserManager<User> users,
    Rulebook rules,
    AuditLog audit,
    ActorDirectory directory,
    InvitationLinks invitations,
    TimeProvider time)
{
    /// <summary>Fields of <see cref="MeAsync"/>'s result that come from the cached directory, without a query.</summary>
    public static readonly IReadOnlySet<string> DirectoryFields = new HashSet<string>(StringComparer.Ordinal)
    {
        "id", "email", "displayName", "platformRole", "status", "memberships", "__typename",
    };

    /// <summary>
    /// The calling user. "Who am I" is what every client asks first and most often, so when only
    /// directory fields are wanted it is answered from the cache the rulebook already holds.
    /// </summary>
    public async Task<User> MeAsync(bool needsStoredFields, CancellationToken cancellationToken)
    {
        var actor = await rules.RequireAuthenticatedAsync(cancellationToken);
        if (actor.UserId is not { } id)
        {
            throw DomainException.NotFound("User");
        }

        if (!needsStoredFields && await directory.GetUserAsync(id, cancellationToken) is { } cached)
        {
            return new User
            {
                Id = id,
                Email = cached.Email,
                UserName = cached.Email,
                DisplayName = cached.DisplayName ?? "",
                PlatformRole = cached.PlatformRole,
                Status = cached.Active ? UserStatus.Active : UserStatus.Disabled,
            };
        }

        return await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == id, cancellationToken) ?? throw DomainException.NotFound("User");
    }

    public async Task<Page<User>> ListAsync(UserFilter filter, PageRequest page, CancellationToken cancellationToken)
    {
        await rules.RequirePlatformAsync(Permission.UserRead, new("user", null, null), cancellationToken);
        var query = db.Users.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(filter.Search))
        {
            var term = filter.Search.Trim().ToUpperInvariant();
            query = query.Where(u => u.NormalizedEmail!.Contains(term) || u.DisplayName.ToUpper().Contains(term));
        }

        if (filter.Status is { } status)
        {
            query = query.Where(u => u.Status == status);
        }

        if (filter.PlatformRole is { } role)
        {
            query = query.Where(u => u.PlatformRole == role);
        }

        return await query.OrderBy(u => u.NormalizedEmail).ThenBy(u => u.Id).ToPageAsync(page, cancellationToken);
    }

    public async Task<User> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        var actor = await rules.RequireAuthenticatedAsync(cancellationToken);
        if (actor.UserId != id)
        {
            await rules.RequirePlatformAsync(Permission.UserRead, AuditTarget.Of("user", id), cancellationToken);
        }

        return await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == id, cancellationToken) ?? throw DomainException.NotFound("User");
    }

    public async Task<IReadOnlyDictionary<Guid, User>> GetManyUncheckedAsync(IReadOnlyCollection<Guid> ids, CancellationToken cancellationToken) =>
        await db.Users.AsNoTracking().Where(u => ids.Contains(u.Id)).ToDictionaryAsync(u => u.Id, cancellationToken);

    public async Task<UserWithInvitation> CreateAsync(CreateUserInput input, CancellationToken cancellationToken)
    {
        var actor = await rules.RequirePlatformAsync(Permission.UserManage, new("user", null, null), cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var created = await CreateUncheckedAsync(input, cancellationToken);
        audit.Add(actor, "user.create", AuditTarget.Of("user", created.User.Id), new { input.Email, input.DisplayName, input.PlatformRole, invited = created.InvitationUrl is not null });
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return created;
    }

    /// <summary>Creates the user without a rule check; callers (admin creation, invitations, bootstrap) check first.</summary>
    internal async Task<UserWithInvitation> CreateUncheckedAsync(CreateUserInput input, CancellationToken cancellationToken)
    {
        var email = Validate.Text(input.Email, "email", 256);
        if (!System.Net.Mail.MailAddress.TryCreate(email, out _))
        {
            throw DomainException.BadInput("email", "'email' is not a valid e-mail address.");
        }

        var now = time.Now();
        var user = new User
        {
            Email = email,
            UserName = email,
            EmailConfirmed = true,
            DisplayName = input.DisplayName?.Trim() is { Length: > 0 } name ? Validate.Text(name, "displayName", 200) : email,
            PlatformRole = input.PlatformRole,
            CreatedAt = now,
            UpdatedAt = now,
            LockoutEnabled = true,
        };
        var result = input.Password is null ? await users.CreateAsync(user) : await users.CreateAsync(user, input.Password);
        result.ThrowIfFailed();
        var link = input.Password is null ? await invitations.CreateAsync(user) : null;
        return new UserWithInvitation(user, link);
    }

    public async Task<User> UpdateAsync(UpdateUserInput input, CancellationToken cancellationToken)
    {
        var actor = await rules.RequirePlatformAsync(Permission.UserManage, AuditTarget.Of("user", input.Id), cancellationToken);
        var user = await db.Users.SingleOrDefaultAsync(u => u.Id == input.Id, cancellationToken) ?? throw DomainException.NotFound("User");
        if (input.DisplayName is not null)
        {
            user.DisplayName = Validate.Text(input.DisplayName, "displayName", 200);
        }

        if (input.PlatformRole is { } role && role != user.PlatformRole)
        {
            if (actor.UserId == user.Id && role != PlatformRole.Admin)
            {
                throw DomainException.Conflict("You cannot take away your own admin role; ask another admin.", "platformRole");
            }

            user.PlatformRole = role;
        }

        user.UpdatedAt = time.Now();
        audit.Add(actor, "user.update", AuditTarget.Of("user", user.Id), new { input.DisplayName, input.PlatformRole });
        await db.SaveChangesAsync(cancellationToken);
        await directory.InvalidateUserAsync(user.Id);
        return user;
    }

    /// <summary>Disabling takes effect on the caller's next request: the directory is invalidated.</summary>
    public async Task<User> SetStatusAsync(Guid id, UserStatus status, CancellationToken cancellationToken)
    {
        var actor = await rules.RequirePlatformAsync(Permission.UserManage, AuditTarget.Of("user", id), cancellationToken);
        var user = await db.Users.SingleOrDefaultAsync(u => u.Id == id, cancellationToken) ?? throw DomainException.NotFound("User");
        if (actor.UserId == id && status != UserStatus.Active)
        {
            throw DomainException.Conflict("You cannot disable yourself.");
        }

        if (user.Status != status)
        {
            user.Status = status;
            user.UpdatedAt = time.Now();
            audit.Add(actor, status == UserStatus.Active ? "user.enable" : "user.disable", AuditTarget.Of("user", id));
            await db.SaveChangesAsync(cancellationToken);
        }

        await directory.InvalidateUserAsync(id);
        return user;
    }

    public async Task<Guid> DeleteAsync(Guid id, CancellationToken cancellationToken)
    {
        var actor = await rules.RequirePlatformAsync(Permission.UserManage, AuditTarget.Of("user", id), cancellationToken);
        if (actor.UserId == id)
        {
            throw DomainException.Conflict("You cannot delete yourself.");
        }

        var user = await db.Users.SingleOrDefaultAsync(u => u.Id == id, cancellationToken) ?? throw DomainException.NotFound("User");
        db.Users.Remove(user);
        audit.Add(actor, "user.delete", AuditTarget.Of("user", id), new { user.Email });
        await db.SaveChangesAsync(cancellationToken);
        await directory.InvalidateUserAsync(id);
        return id;
    }

    public async Task<bool> ChangeOwnPasswordAsync(string currentPassword, string newPassword, CancellationToken cancellationToken)
    {
        var actor = await rules.RequireWriteScopeAsync(new("user", null, null), cancellationToken);
        if (actor.Type != ActorType.User || actor.UserId is not { } id)
        {
            throw DomainException.Forbidden("Only a signed-in user can change their password.");
        }

        var user = await users.FindByIdAsync(id.ToString()) ?? throw DomainException.NotFound("User");
        var result = await users.ChangePasswordAsync(user, currentPassword, newPassword);
        if (!result.Succeeded && result.Errors.Any(e => e.Code == "PasswordMismatch"))
        {
            await audit.RecordNowAsync(actor, "user.password.change", AuditTarget.Of("user", id), AuditOutcome.Failed, cancellationToken: cancellationToken);
            throw DomainException.BadInput("currentPassword", "The current password is not correct.");
        }

        result.ThrowIfFailed("newPassword");
        await audit.RecordNowAsync(actor, "user.password.change", AuditTarget.Of("user", id), AuditOutcome.Success, cancellationToken: cancellationToken);
        return true;
    }
}
