using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.Options;
using PrivateNexus.Server.Data;

namespace PrivateNexus.Server.Hosting;

/// <summary>
/// Where Data Protection keeps its key ring: <c>{DataDir}/keys</c> by default, or the database
/// (<c>PNX_KEYS_IN_DATABASE=true</c>) so several replicas share one ring. Decided from options at
/// first use, so every configuration source is honoured.
/// </summary>
internal sealed class KeyRingLocation(IOptions<PnxOptions> options, IServiceProvider services, ILoggerFactory loggers)
    : IConfigureOptions<KeyManagementOptions>
{
    public void Configure(KeyManagementOptions keys)
    {
        keys.XmlRepository = options.Value.KeysInDatabase
            ? new EntityFrameworkCoreXmlRepository<PnxDbContext>(services, loggers)
            : new FileSystemXmlRepository(new DirectoryInfo(Path.Combine(options.Value.DataDir, "keys")), loggers);
    }
}
