using PrivateNexus.Tests.Infrastructure;

namespace PrivateNexus.Tests.Features;

/// <summary>Counts SQL commands, so it must not share the server with tests running at the same time.</summary>
[CollectionDefinition(nameof(SerialTests), DisableParallelization = true)]
public sealed class SerialTests;

[Collection(nameof(SerialTests))]
public abstract class BatchingTests(PnxApp app) : AppTests(app)
{
    private const string Nested = "query($s: String) { clients(first: 50, search: $s) { edges { node { id name services(first: 20) { totalCount edges { node { id name image client { slug } } } } } } } }";

    [Fact]
    public async Task Nested_services_of_many_clients_cost_a_constant_number_of_queries()
    {
        var admin = await App.AdminAsync();
        await admin.EnsureNodeAsync();
        var tag = Guid.NewGuid().ToString("N")[..8];
        for (var c = 0; c < 6; c++)
        {
            var clientId = await admin.CreateClientAsync($"batch-{tag}-{c}");
            for (var s = 0; s < 3; s++)
            {
                await admin.CreateServiceAsync(clientId, $"svc-{s}");
            }
        }

        var few = await CountAsync(admin, $"batch-{tag}-1");
        var many = await CountAsync(admin, $"batch-{tag}");
        Assert.Equal(few.Commands, many.Commands);
        Assert.Equal(6, many.Clients);
        Assert.True(many.Commands <= 5, $"expected a handful of queries, saw {many.Commands}");
    }

    private async Task<(int Commands, int Clients)> CountAsync(GraphQLClient admin, string search)
    {
        await admin.DataAsync(Nested, new { s = search });
        var before = App.Commands.Count;
        var data = await admin.DataAsync(Nested, new { s = search });
        var clients = data["clients"]!["edges"]!.AsArray();
        Assert.All(clients, c => Assert.Equal(3, c!["node"]!["services"]!["totalCount"]!.GetValue<int>()));
        return (App.Commands.Count - before, clients.Count);
    }
}

public sealed class BatchingTestsOnSqlite(SqliteApp app) : BatchingTests(app);

public sealed class BatchingTestsOnPostgres(PostgresApp app) : BatchingTests(app);
