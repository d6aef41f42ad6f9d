using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.IdentityModel.Tokens;
using PrivateNexus.Server.Common;
using PrivateNexus.Server.Data;

namespace PrivateNexus.Server.Identity;

/// <summary>
/// The OAuth server's signing key (RSA, for JWT access and identity tokens) and encryption key
/// (AES, for codes and refresh tokens). Created on first start, kept in the database encrypted with
/// Data Protection, so every replica sharing the database and key ring signs with the same key.
/// </summary>
public sealed class KeyMaterial
{
    private const string SigningKeySetting = "oauth.signing-key";
    private const string EncryptionKeySetting = "oauth.encryption-key";

    public SecurityKey? SigningKey { get; private set; }

    public SecurityKey? EncryptionKey { get; private set; }

    public async Task LoadOrCreateAsync(PnxDbContext db, SecretProtector secrets, CancellationToken cancellationToken)
    {
        var rsaPem = await GetOrAddAsync(db, secrets, SigningKeySetting, () =>
        {
            using var rsa = RSA.Create(2048);
            return rsa.ExportPkcs8PrivateKeyPem();
        }, cancellationToken);
        var aes = await GetOrAddAsync(db, secrets, EncryptionKeySetting, () => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)), cancellationToken);

        var signing = RSA.Create();
        signing.ImportFromPem(rsaPem);
        SigningKey = new RsaSecurityKey(signing) { KeyId = Convert.ToHexStringLower(SHA256.HashData(signing.ExportRSAPublicKey()))[..16] };
        EncryptionKey = new SymmetricSecurityKey(Convert.FromBase64String(aes));
    }

    private static async Task<string> GetOrAddAsync(PnxDbContext db, SecretProtector secrets, string key, Func<string> create, CancellationToken cancellationToken)
    {
        var existing = await db.Settings.AsNoTracking().SingleOrDefaultAsync(s => s.Key == key, cancellationToken);
        if (existing is not null)
        {
            return secrets.Unprotect(existing.Value);
        }

        var value = create();
        db.Settings.Add(new Setting { Key = key, Value = secrets.Protect(value) });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return value;
        }
        catch (DbUpdateException)
        {
            // Another replica created it first: use theirs.
            db.ChangeTracker.Clear();
            var theirs = await db.Settings.AsNoTracking().SingleAsync(s => s.Key == key, cancellationToken);
            return secrets.Unprotect(theirs.Value);
        }
    }
}
