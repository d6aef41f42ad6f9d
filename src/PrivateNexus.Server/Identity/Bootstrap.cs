using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PrivateNexus.Server.Authorization;
using PrivateNexus.Server.Common;
using PrivateNexus.Server.Data;
using PrivateNexus.Server.Features.Audit;
using PrivateNexus.Server.Features.Users;
using PrivateNexus.Server.Hosting;

namespace PrivateNexus.Server.Identity;

/// <summary>
/// First run: there is no default password. The first admin comes from PNX_BOOTSTRAP_ADMIN_* or,
/// without them, from a one-time setup link printed to the log (only its hash is stored).
/// </summary>
public sealed class Bootstrap(
    PnxDbContext db, UserService users, AuditLog audit, IOptions<PnxOptions> options, ILogger<Bootstrap> logger)
{
    private const string SetupTokenSetting = "setup.token-hash";

    public async Task RunAsync(Uri? publicUrl, CancellationToken cancellationToken)
    {
        if (await db.Users.AnyAsync(cancellationToken))
        {
            return;
        }

        var (email, password) = (options.Value.BootstrapAdminEmail, options.Value.BootstrapAdminPassword);
        if (!string.IsNullOrWhiteSpace(email) && !string.IsNullOrEmpty(password))
        {
            await CreateAdminAsync(email, null, password, "bootstrap-env", cancellationToken);
            logger.LogInformation("Created the first platform admin {Email} from PNX_BOOTSTRAP_ADMIN_EMAIL", email);
            return;
        }

        var token = System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(24));
        var setting = await db.Settings.SingleOrDefaultAsync(s => s.Key == SetupTokenSetting, cancellationToken);
        if (setting is null)
        {
            db.Settings.Add(new Setting { Key = SetupTokenSetting, Value = Hash(token) });
        }
        else
        {
            setting.Value = Hash(token);
        }

        await db.SaveChangesAsync(cancellationToken);
        var origin = publicUrl?.ToString().TrimEnd('/') ?? "http://localhost:8080";
        logger.LogWarning("No user exists yet. Create the first admin at {SetupUrl} (one-time link, valid until used)", $"{origin}/setup?token={token}");
    }

    public async Task<bool> IsSetupTokenValidAsync(string token, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(token) || await db.Users.AnyAsync(cancellationToken))
        {
            return false;
        }

        var setting = await db.Settings.AsNoTracking().SingleOrDefaultAsync(s => s.Key == SetupTokenSetting, cancellationToken);
        return setting is not null && CryptographicOperations.FixedTimeEquals(
            Convert.FromHexString(setting.Value), Convert.FromHexString(Hash(token)));
    }

    public async Task CompleteSetupAsync(string token, string email, string? displayName, string password, CancellationToken cancellationToken)
    {
        if (!await IsSetupTokenValidAsync(token, cancellationToken))
        {
            throw DomainException.Forbidden("The setup link is not valid.");
        }

        await CreateAdminAsync(email, displayName, password, "bootstrap-setup", cancellationToken);
        await db.Settings.Where(s => s.Key == SetupTokenSetting).ExecuteDeleteAsync(cancellationToken);
    }

    private async Task CreateAdminAsync(string email, string? displayName, string password, string how, CancellationToken cancellationToken)
    {
        var created = await users.CreateUncheckedAsync(new CreateUserInput(email, displayName, password, PlatformRole.Admin), cancellationToken);
        await audit.RecordNowAsync(Actor.System, "user.bootstrap", AuditTarget.Of("user", created.User.Id), AuditOutcome.Success, new { email, how }, cancellationToken);
    }

    private static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(token)));
}
