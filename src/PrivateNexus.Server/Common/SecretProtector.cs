using Microsoft.AspNetCore.DataProtection;

namespace PrivateNexus.Server.Common;

/// <summary>
/// Encrypts secrets at rest (service env secrets, node TLS keys, signing keys) with ASP.NET Data
/// Protection. Ciphertext only ever leaves the server inside backups; the API never returns it.
/// </summary>
public sealed class SecretProtector(IDataProtectionProvider provider)
{
    private readonly IDataProtector _protector = provider.CreateProtector("PrivateNexus.Secrets.v1");

    public string Protect(string plaintext) => _protector.Protect(plaintext);

    public string Unprotect(string ciphertext) => _protector.Unprotect(ciphertext);
}
