using System.Text.Json.Nodes;
using Docker.DotNet;
using Docker.DotNet.Models;
using Npgsql;
using PrivateNexus.Tests.Engine;
using PrivateNexus.Tests.Infrastructure;

namespace PrivateNexus.Tests.Operations;

/// <summary>
/// The whole disaster-recovery path on each database: a server with people, an automation client, a
/// secret-bearing service at its second revision and its container on the real test engine; the
/// <c>backup</c> command run beside it while it serves; the server gone; <c>restore</c> into an empty
/// data directory (and empty database); a new server on the restored data. It must know everyone
/// and everything from before the backup and nothing from after, accept tokens issued before,
/// decrypt the stored secret, and adopt the running container instead of replacing it. On
/// PostgreSQL the key ring is kept in the database (as with several replicas), on SQLite in files.
/// </summary>
public sealed class BackupRestoreTests
{
    private const string ServiceQuery = "query($id: ID!) { service(id: $id) { status revision revisions { totalCount } instances { containerId state revision } } }";

    [Fact]
    public Task Sqlite_round_trip() => RoundTripAsync(postgres: false);

    [Fact]
    public Task Postgres_round_trip() => RoundTripAsync(postgres: true);

    private static async Task RoundTripAsync(bool postgres)
    {
        EngineApp.RequireDocker();
        if (postgres)
        {
            Assert.SkipWhen(PostgresApp.AdminConnectionString is null && Environment.GetEnvironmentVariable("CI") is null, "PNX_TEST_POSTGRES is not set.");
        }

        var endpoint = EngineApp.DockerHost!;
        var root = Path.Combine(Path.GetTempPath(), "pnx-tests", "backup-" + Guid.NewGuid().ToString("N")[..10]);
        var archive = Path.Combine(root, "backup.tar.gz");
        var source = new RestorableApp(Path.Combine(root, "source"), postgres ? await CreateDatabaseAsync() : null);
        var restored = new RestorableApp(Path.Combine(root, "restored"), postgres ? await CreateDatabaseAsync() : null);
        using var docker = new DockerClientBuilder().WithEndpoint(new Uri(endpoint)).Build();
        var nodeId = "";
        try
        {
            // Before: a client with a member, an automation client, a service at revision 2 with a secret.
            await source.InitializeAsync();
            var admin = await source.AdminAsync();
            nodeId = (await admin.DataAsync(
                "mutation($e: String!) { createNode(input: { name: \"docker\", endpoint: $e }) { id } }", new { e = endpoint }))["createNode"]!["id"]!.GetValue<string>();
            var slug = $"bk-{Guid.NewGuid().ToString("N")[..10]}";
            var clientId = await admin.CreateClientAsync(slug);
            var member = $"member-{Guid.NewGuid():N}@example.test";
            await admin.CreateUserAsync(member);
            await admin.AddMemberAsync(clientId, member, "MEMBER");
            var automation = (await admin.DataAsync(
                "mutation($input: CreateAutomationClientInput!) { createAutomationClient(input: $input) { clientSecret automationClient { clientId } } }",
                new { input = new { name = "deployer", organisationId = clientId, role = "MEMBER", scopes = new[] { "api:read" } } }))["createAutomationClient"]!;
            var secret = $"s3cret-{Guid.NewGuid():N}";
            var serviceId = (await admin.DataAsync(
                "mutation($input: CreateServiceInput!) { createService(input: $input) { id } }",
                new { input = new { clientId, name = "web", nodeId, spec = Spec(secret, "one") } }))["createService"]!["id"]!.GetValue<string>();
            await admin.DataAsync(
                "mutation($input: UpdateServiceInput!) { updateService(input: $input) { revision } }",
                new { input = new { id = serviceId, spec = Spec(null, "two") } });
            var before = await WaitForAsync(admin, serviceId, s => Runs(s, revision: 2), "revision 2 runs on the source server");
            var containerId = before["instances"]![0]!["containerId"]!.GetValue<string>();
            var memberToken = (await source.SignInAsync(member, AdminActions.Password)).AccessToken;

            var backup = await ServerProcess.RunAsync(source.ProcessEnvironment(), "backup", "--output", archive);
            Assert.True(backup.ExitCode == 0, $"backup failed: {backup.Error}\n{backup.Output}");
            var later = $"after-{Guid.NewGuid().ToString("N")[..10]}";
            await admin.CreateClientAsync(later);
            await source.DisposeAsync();

            // In production the restored server answers at the same public URL (the token issuer); here it
            // gets another port, so it is told the source's address as its public URL.
            restored.PublicUrl = source.BaseAddress;
            var restore = await ServerProcess.RunAsync(restored.ProcessEnvironment(), "restore", "--input", archive);
            Assert.True(restore.ExitCode == 0, $"restore failed: {restore.Error}\n{restore.Output}");
            var again = await ServerProcess.RunAsync(restored.ProcessEnvironment(), "restore", "--input", archive);
            Assert.NotEqual(0, again.ExitCode);
            Assert.Contains("restore into an empty", again.Error, StringComparison.Ordinal);

            // After: the restored server knows what was backed up, and only that.
            await restored.InitializeAsync();
            var restoredAdmin = await restored.AdminAsync();
            var slugs = (await restoredAdmin.DataAsync("{ clients(first: 100) { edges { node { slug } } } }"))["clients"]!["edges"]!.AsArray()
                .Select(e => e!["node"]!["slug"]!.GetValue<string>()).ToList();
            Assert.Contains(slug, slugs);
            Assert.DoesNotContain(later, slugs);

            // People sign in; a token signed before the backup is still accepted; automation still gets tokens.
            var signedIn = await restored.SignedInAsync(member, AdminActions.Password);
            Assert.Single((await signedIn.DataAsync("{ clients { edges { node { slug } } } }"))["clients"]!["edges"]!.AsArray());
            Assert.Single((await restored.WithToken(memberToken).DataAsync("{ clients { edges { node { slug } } } }"))["clients"]!["edges"]!.AsArray());
            using (var http = restored.Http())
            {
                var (status, body) = await OAuthFlow.TokenAsync(http, new Dictionary<string, string>
                {
                    ["grant_type"] = "client_credentials",
                    ["client_id"] = automation["automationClient"]!["clientId"]!.GetValue<string>(),
                    ["client_secret"] = automation["clientSecret"]!.GetValue<string>(),
                    ["scope"] = "api:read",
                });
                Assert.True(status == System.Net.HttpStatusCode.OK, body.ToJsonString());
            }

            // The reconciler adopts the running container: same id, still running, after several passes.
            var adopted = await WaitForAsync(restoredAdmin, serviceId, s => Runs(s, revision: 2), "the restored server sees revision 2 running");
            Assert.Equal(2, adopted["revisions"]!["totalCount"]!.GetValue<int>());
            Assert.Equal(containerId, adopted["instances"]![0]!["containerId"]!.GetValue<string>());
            await Task.Delay(TimeSpan.FromSeconds(6), TestContext.Current.CancellationToken);
            var still = (await restoredAdmin.DataAsync(ServiceQuery, new { id = serviceId }))["service"]!;
            Assert.Equal(containerId, Assert.Single(still["instances"]!.AsArray())!["containerId"]!.GetValue<string>());
            var inspected = await docker.Containers.InspectContainerAsync(containerId, TestContext.Current.CancellationToken);
            Assert.True(inspected.State!.Running);

            // The secret, encrypted at rest under the restored key ring, reaches a new revision's container.
            await restoredAdmin.DataAsync(
                "mutation($input: UpdateServiceInput!) { updateService(input: $input) { revision } }",
                new { input = new { id = serviceId, spec = Spec(null, "three") } });
            var third = await WaitForAsync(restoredAdmin, serviceId, s => Runs(s, revision: 3), "revision 3 runs on the restored server");
            var env = (await docker.Containers.InspectContainerAsync(
                third["instances"]![0]!["containerId"]!.GetValue<string>(), TestContext.Current.CancellationToken)).Config!.Env;
            Assert.Contains($"API_KEY={secret}", env);
            Assert.Contains("STAGE=three", env);

            // The key ring that decrypted it came from where the source kept it: files, or (PostgreSQL) the database.
            var keyFiles = Directory.Exists(Path.Combine(restored.DataDir, "keys")) ? Directory.GetFiles(Path.Combine(restored.DataDir, "keys")).Length : 0;
            Assert.Equal(postgres ? 0 : 1, keyFiles);
        }
        finally
        {
            await source.DisposeAsync();
            await restored.DisposeAsync();
            await RemoveContainersAsync(docker, nodeId);
            await source.DropDatabaseAsync();
            await restored.DropDatabaseAsync();
            if (Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }
        }
    }

    private static object Spec(string? secret, string stage) => new
    {
        image = EngineApp.Image,
        command = new[] { "httpd", "-f", "-p", "80", "-h", "/www" },
        cpuMillicores = 100,
        memoryMiB = 32,
        env = new object[] { new { name = "API_KEY", value = secret, secret = true }, new { name = "STAGE", value = stage, secret = false } },
    };

    private static bool Runs(JsonNode service, int revision) =>
        service["status"]!.GetValue<string>() == "RUNNING"
        && service["revision"]!.GetValue<int>() == revision
        && service["instances"]!.AsArray() is [{ } instance]
        && instance["revision"]!.GetValue<int>() == revision
        && instance["state"]!.GetValue<string>() == "running";

    private static Task<JsonNode> WaitForAsync(GraphQLClient caller, string serviceId, Func<JsonNode, bool> condition, string what) =>
        Eventually.ServiceAsync(caller, ServiceQuery, serviceId, condition, what, TimeSpan.FromSeconds(60));

    private static async Task<string> CreateDatabaseAsync()
    {
        var admin = PostgresApp.AdminConnectionString!;
        var database = "pnx_backup_" + Guid.NewGuid().ToString("N")[..12];
        await using var connection = new NpgsqlConnection(admin);
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand($"CREATE DATABASE \"{database}\"", connection);
        await create.ExecuteNonQueryAsync();
        return new NpgsqlConnectionStringBuilder(admin) { Database = database }.ConnectionString;
    }

    private static async Task RemoveContainersAsync(DockerClient docker, string nodeId)
    {
        if (nodeId.Length == 0)
        {
            return;
        }

        var filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"io.privatenexus.node={nodeId}"] = true } };
        foreach (var container in await docker.Containers.ListContainersAsync(new ContainersListParameters { All = true, Filters = filters }))
        {
            await docker.Containers.RemoveContainerAsync(container.ID, new ContainerRemoveParameters { Force = true });
        }

        foreach (var network in await docker.Networks.ListNetworksAsync(new NetworksListParameters { Filters = filters }))
        {
            try
            {
                await docker.Networks.DeleteNetworkAsync(network.ID);
            }
            catch (DockerApiException)
            {
                // In use by a container another run made meanwhile, or gone: not ours to fail on.
            }
        }
    }

    /// <summary>A server on a chosen data directory (and database), with node agents on the test engine.</summary>
    private sealed class RestorableApp : PnxApp
    {
        private readonly string? _database;
        private bool _disposed;

        public RestorableApp(string dataDir, string? database)
        {
            DataDir = dataDir;
            _database = database;
        }

        public override string Provider => _database is null ? "sqlite" : "postgres";

        public Uri? PublicUrl { get; set; }

        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
        {
            ["Pnx:DatabaseUrl"] = _database,
            ["Pnx:MigrateOnStart"] = "true",

            // PostgreSQL as several replicas run it: the key ring in the database, so it travels in the dump.
            ["Pnx:KeysInDatabase"] = _database is null ? "false" : "true",
            ["Pnx:PublicUrl"] = PublicUrl?.ToString(),
            ["Pnx:Engine:Enabled"] = "true",
            ["Pnx:Engine:ResyncInterval"] = "00:00:05",
            ["Pnx:Engine:ReconcileInterval"] = "00:00:02",
            ["Pnx:Engine:StatsInterval"] = "00:00:00",
        };

        /// <summary>What an operator's shell would export to run a command against this server's data.</summary>
        public Dictionary<string, string> ProcessEnvironment()
        {
            var environment = new Dictionary<string, string> { ["PNX_DATA_DIR"] = DataDir, ["PNX_ENGINE__REGISTER_LOCAL_NODE"] = "false" };
            if (_database is not null)
            {
                environment["PNX_DATABASE_URL"] = _database;
                environment["PNX_KEYS_IN_DATABASE"] = "true";
            }

            return environment;
        }

        public override async ValueTask DisposeAsync()
        {
            if (!_disposed)
            {
                _disposed = true;
                await base.DisposeAsync();
            }
        }

        public async Task DropDatabaseAsync()
        {
            if (_database is null)
            {
                return;
            }

            NpgsqlConnection.ClearAllPools();
            var name = new NpgsqlConnectionStringBuilder(_database).Database;
            await using var admin = new NpgsqlConnection(PostgresApp.AdminConnectionString);
            await admin.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", admin);
            await drop.ExecuteNonQueryAsync();
        }

        public override Task<string?> ReadStoredAsync(string table, string column, string id) => throw new NotSupportedException();
    }
}
