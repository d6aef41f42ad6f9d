using System.Reflection;
using Microsoft.EntityFrameworkCore;
using PrivateNexus.Server.Data;

namespace PrivateNexus.Server.Hosting;

/// <summary>
/// What this build is: its version and the commit it was built from (the SDK embeds the commit in
/// the informational version from git, or from <c>-p:SourceRevisionId=…</c> where there is no
/// <c>.git</c>, as in the Dockerfile), and the schema it expects.
/// </summary>
public sealed record BuildInfo(string Version, string Commit, string Provider, string SchemaVersion)
{
    public static (string Version, string Commit) Assembly()
    {
        var informational = typeof(BuildInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
        var plus = informational.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? (informational, "unknown") : (informational[..plus], informational[(plus + 1)..]);
    }

    /// <summary>The newest migration this build knows for the configured database; the server runs only on a database at exactly that one.</summary>
    public static BuildInfo Of(PnxDbContext db, DatabaseProvider provider)
    {
        var (version, commit) = Assembly();
        return new(version, commit, provider.Kind.ToString().ToLowerInvariant(), db.Database.GetMigrations().LastOrDefault() ?? "none");
    }
}
