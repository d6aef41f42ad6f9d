using PrivateNexus.Server.Data;
using PrivateNexus.Server.Hosting;

namespace PrivateNexus.Tests.Unit;

public sealed class ConfigurationTests
{
    [Theory]
    [InlineData("DATA_DIR", "Pnx:DataDir")]
    [InlineData("DATABASE_URL", "Pnx:DatabaseUrl")]
    [InlineData("GRAPHQL__MAX_DEPTH", "Pnx:Graphql:MaxDepth")]
    [InlineData("PUBLIC_CLIENTS__0__REDIRECT_URIS__1", "Pnx:PublicClients:0:RedirectUris:1")]
    public void Environment_names_map_to_configuration_keys(string name, string key) =>
        Assert.Equal(key, PnxEnvironmentVariables.ToKey(name));

    [Fact]
    public void Postgres_urls_become_npgsql_connection_strings()
    {
        var value = DatabaseProvider.ToNpgsql("postgres://pnx:p%40ss@db.internal:6543/nexus?sslmode=require");
        Assert.Contains("Host=db.internal", value, StringComparison.Ordinal);
        Assert.Contains("Port=6543", value, StringComparison.Ordinal);
        Assert.Contains("Database=nexus", value, StringComparison.Ordinal);
        Assert.Contains("Username=pnx", value, StringComparison.Ordinal);
        Assert.Contains("Password=p@ss", value, StringComparison.Ordinal);
        Assert.Contains("SSL Mode=Require", value, StringComparison.Ordinal);
    }

    [Fact]
    public void Npgsql_connection_strings_pass_through() =>
        Assert.Contains("Host=h", DatabaseProvider.ToNpgsql("Host=h;Database=d"), StringComparison.Ordinal);
}
