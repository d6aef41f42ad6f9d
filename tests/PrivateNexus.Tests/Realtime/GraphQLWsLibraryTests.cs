using PrivateNexus.Tests.Infrastructure;

namespace PrivateNexus.Tests.Realtime;

/// <summary>
/// The off-the-shelf client: npm graphql-ws (over npm ws) used as an application uses it, and
/// @urql/core's subscriptionExchange forwarding to it, run by tests/js/ws-client.mjs against the
/// live test server: a query over the socket, an audit event caused by a mutation over HTTP and
/// pushed to a subscriber with the right data, completion, a bad token closing with 4403.
/// Needs node and tests/js/node_modules (scripts/test-env.sh); in CI their absence is a failure.
/// SQLite only: the transport does not depend on the database.
/// </summary>
public abstract class GraphQLWsLibraryTests(PnxApp app) : AppTests(app)
{
    /// <summary>What the script must have checked, each by name: a check that silently disappears fails the test.</summary>
    private static readonly string[] RequiredChecks =
    [
        "query over the socket",
        "auditEventAdded delivers the event of a mutation sent over HTTP",
        "completing the subscription stops its events",
        "a bad token fails the client with close code 4403",
        "@urql/core with subscriptionExchange over graphql-ws receives an event",
    ];

    [Fact]
    public async Task The_graphql_ws_client_and_urql_subscribe_receive_complete_and_are_refused_a_bad_token()
    {
        var url = new Uri(App.BaseAddress, "/graphql").ToString();
        var run = await NodeScript.RunAsync("ws-client.mjs", "graphql-ws", [url], new Dictionary<string, string>
        {
            // An admin: reads the whole audit trail, creates and deletes the clients whose audit events it waits for.
            ["PNX_WS_TOKEN"] = (await App.AdminAsync()).Token!,
        }, TimeSpan.FromMinutes(2));
        var summary = run.Summary();

        var checks = summary["checks"]!.AsArray()
            .ToDictionary(c => c!["name"]!.GetValue<string>(), c => c!["ok"]!.GetValue<bool>());
        var missing = RequiredChecks.Where(name => !checks.ContainsKey(name)).ToList();
        Assert.True(missing.Count == 0, $"Checks that did not run: {string.Join("; ", missing)}.\n{run.Transcript}");
        var failed = checks.Where(c => !c.Value).Select(c => c.Key).ToList();
        Assert.True(failed.Count == 0, $"Checks that failed: {string.Join("; ", failed)}.\n{run.Transcript}");
        Assert.True(summary["ok"]!.GetValue<bool>(), run.Transcript);
        Assert.True(run.ExitCode == 0, run.Transcript);
    }
}

public sealed class GraphQLWsLibraryTestsOnSqlite(SqliteApp app) : GraphQLWsLibraryTests(app);
