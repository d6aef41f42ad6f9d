using System.Diagnostics;
using System.Text.Json.Nodes;
using PrivateNexus.Tests.Infrastructure;

namespace PrivateNexus.Tests.Engine;

/// <summary>
/// Logs read from the real engine on request (both streams apart, bounded by tail, time and bytes, for
/// the roles allowed to), and stats sampled in the background into the mirror.
/// </summary>
[Collection(nameof(EngineCollection))]
public sealed class ServiceLogsAndStatsTests : AppTests
{
    private const string Logs = """
        query($id: ID!, $tail: Int, $since: DateTimeOffset, $until: DateTimeOffset, $maxBytes: Int) {
          serviceLogs(serviceId: $id, tail: $tail, since: $since, until: $until, maxBytes: $maxBytes) {
            truncated instances { containerId name revision replica truncated lines { time stream text } }
          }
        }
        """;

    private const string Stats = """
        query($id: ID!) { service(id: $id) { status instances { state stats {
          cpuPercent memoryBytes memoryLimitBytes networkRxBytes networkTxBytes blockReadBytes blockWriteBytes sampledAt } } } }
        """;

    // A second between writes: stdout and stderr are separate pipes, read by the engine concurrently.
    private static readonly string[] Chatty = ["sh", "-c", "echo out-1; sleep 1; echo err-1 >&2; sleep 1; echo out-2; sleep 1; echo err-2 >&2; sleep 3600"];

    private readonly EngineApp _engine;

    public ServiceLogsAndStatsTests(EngineApp app)
        : base(app)
    {
        EngineApp.RequireDocker();
        _engine = app;
    }

    private static object Spec(string[] command) => new { image = EngineApp.Image, command, cpuMillicores = 50, memoryMiB = 16 };

    private async Task<(GraphQLClient Admin, string ClientId, string ServiceId)> ServiceAsync(string[] command)
    {
        var admin = await App.AdminAsync();
        var clientId = await admin.CreateClientAsync(Unique("logs"));
        var created = await admin.DataAsync(
            "mutation($input: CreateServiceInput!) { createService(input: $input) { id } }",
            new { input = new { clientId, name = "chatty", nodeId = _engine.NodeId, spec = Spec(command) } });
        return (admin, clientId, created["createService"]!["id"]!.GetValue<string>());
    }

    private static async Task<JsonNode> LogsAsync(GraphQLClient caller, string id, int? tail = null, DateTimeOffset? since = null, DateTimeOffset? until = null, int? maxBytes = null) =>
        (await caller.DataAsync(Logs, new { id, tail, since, until, maxBytes }))["serviceLogs"]!;

    private static List<(string Stream, string Text)> Lines(JsonNode logs) =>
        [.. Assert.Single(logs["instances"]!.AsArray())!["lines"]!.AsArray().Select(l => (l!["stream"]!.GetValue<string>(), l["text"]!.GetValue<string>()))];

    private static string Message(GraphQLResult result) => result.Errors![0]!["message"]!.GetValue<string>();

    /// <summary>Waits until the container has written all four lines (the command takes three seconds).</summary>
    private static async Task<JsonNode> AllWrittenAsync(GraphQLClient caller, string id)
    {
        JsonNode last = null!;
        var done = await Eventually.TrueAsync(
            async () =>
            {
                last = await LogsAsync(caller, id);
                return last["instances"]!.AsArray() is [{ } instance] && instance["lines"]!.AsArray().Count >= 4;
            },
            TimeSpan.FromSeconds(60));
        Assert.True(done, $"The four lines never showed up; last answer: {last.ToJsonString()}");
        return last;
    }

    [Fact]
    public async Task Logs_keep_stdout_and_stderr_apart_in_order_and_honour_tail_since_until_and_max_bytes()
    {
        var (admin, _, id) = await ServiceAsync(Chatty);
        var all = await AllWrittenAsync(admin, id);

        Assert.False(all["truncated"]!.GetValue<bool>());
        Assert.Equal([("STDOUT", "out-1"), ("STDERR", "err-1"), ("STDOUT", "out-2"), ("STDERR", "err-2")], Lines(all));
        var instance = all["instances"]![0]!;
        Assert.Equal(12, instance["containerId"]!.GetValue<string>().Length);
        Assert.False(instance["truncated"]!.GetValue<bool>());
        var times = instance["lines"]!.AsArray().Select(l => l!["time"]!.GetValue<DateTimeOffset>()).ToList();
        Assert.Equal(times.Order(), times);
        Assert.True(times[^1] - times[0] >= TimeSpan.FromSeconds(2), $"The lines were written three seconds apart: {string.Join(", ", times)}");

        Assert.Equal([("STDOUT", "out-2"), ("STDERR", "err-2")], Lines(await LogsAsync(admin, id, tail: 2)));
        Assert.Equal([("STDOUT", "out-2"), ("STDERR", "err-2")], Lines(await LogsAsync(admin, id, since: times[2] - TimeSpan.FromMilliseconds(500))));
        Assert.Equal([("STDOUT", "out-1"), ("STDERR", "err-1")], Lines(await LogsAsync(admin, id, until: times[1] + TimeSpan.FromMilliseconds(500))));

        // A line with its timestamp is about 37 bytes: a 40-byte cap lets the first through and stops there.
        var capped = await LogsAsync(admin, id, maxBytes: 40);
        Assert.True(capped["truncated"]!.GetValue<bool>());
        Assert.True(capped["instances"]![0]!["truncated"]!.GetValue<bool>());
        Assert.Equal([("STDOUT", "out-1")], Lines(capped));
    }

    [Fact]
    public async Task Members_read_logs_viewers_may_not_and_other_tenants_do_not_see_the_service()
    {
        var (admin, clientId, id) = await ServiceAsync(Chatty);
        var member = await App.MemberAsync(clientId, "MEMBER");
        var viewer = await App.MemberAsync(clientId, "VIEWER");
        var stranger = await App.MemberAsync(await admin.CreateClientAsync(Unique("other")), "OWNER");

        Assert.Equal([("STDOUT", "out-1"), ("STDERR", "err-1"), ("STDOUT", "out-2"), ("STDERR", "err-2")], Lines(await AllWrittenAsync(member, id)));
        Assert.Equal("FORBIDDEN", (await viewer.SendAsync(Logs, new { id })).ErrorCode);
        Assert.Equal("NOT_FOUND", (await stranger.SendAsync(Logs, new { id })).ErrorCode);
        Assert.Equal("NOT_FOUND", (await member.SendAsync(Logs, new { id = Guid.NewGuid() })).ErrorCode);

        Assert.Equal("tail", (await member.SendAsync(Logs, new { id, tail = 0 })).ErrorField);
        Assert.Equal("tail", (await member.SendAsync(Logs, new { id, tail = 5001 })).ErrorField);
        Assert.Equal("maxBytes", (await member.SendAsync(Logs, new { id, maxBytes = 4 * 1024 * 1024 + 1 })).ErrorField);
        var inverted = await member.SendAsync(Logs, new { id, since = DateTimeOffset.UnixEpoch.AddYears(60), until = DateTimeOffset.UnixEpoch.AddYears(50) });
        Assert.Equal("BAD_USER_INPUT", inverted.ErrorCode);
        Assert.Equal("until", inverted.ErrorField);
    }

    [Fact]
    public async Task Stats_are_sampled_in_the_background_and_served_from_the_mirror()
    {
        var (admin, _, id) = await ServiceAsync(["sh", "-c", "while true; do echo tick > /dev/null; sleep 1; done"]);
        JsonNode last = null!;
        async Task<bool> SampledAsync(Func<JsonNode, bool> condition)
        {
            last = (await admin.DataAsync(Stats, new { id }))["service"]!;
            return last["instances"]!.AsArray() is [{ } instance] && instance["stats"] is { } stats && condition(stats);
        }

        Assert.True(
            await Eventually.TrueAsync(() => SampledAsync(s => s["memoryBytes"]!.GetValue<long>() > 0), TimeSpan.FromSeconds(30)),
            $"No stats within 30 s; last answer: {last.ToJsonString()}");
        var stats = last["instances"]![0]!["stats"]!;
        Assert.Equal(16L * 1024 * 1024, stats["memoryLimitBytes"]!.GetValue<long>());
        Assert.True(stats["memoryBytes"]!.GetValue<long>() < 16L * 1024 * 1024);
        Assert.True(stats["networkRxBytes"]!.GetValue<long>() >= 0 && stats["blockReadBytes"]!.GetValue<long>() >= 0);
        var first = stats["sampledAt"]!.GetValue<DateTimeOffset>();

        // CPU % needs two readings; the next round brings the second.
        Assert.True(
            await Eventually.TrueAsync(() => SampledAsync(s => s["cpuPercent"] is not null && s["sampledAt"]!.GetValue<DateTimeOffset>() > first), TimeSpan.FromSeconds(30)),
            $"No CPU % within 30 s; last answer: {last.ToJsonString()}");
        var cpu = last["instances"]![0]!["stats"]!["cpuPercent"]!.GetValue<double>();
        Assert.InRange(cpu, 0, 200);
    }

    [Fact]
    public async Task Logs_of_a_service_on_an_offline_node_fail_at_once_with_unavailable()
    {
        var target = new Uri(EngineApp.DockerHost!).AbsolutePath;
        await using var relay = new UnixSocketRelay(Path.Combine(Path.GetTempPath(), $"pnx-relay-{Guid.NewGuid():N}"[..24] + ".sock"), target);
        relay.Start();
        var admin = await App.AdminAsync();
        var clientId = await admin.CreateClientAsync(Unique("gone"));
        var nodeId = (await admin.DataAsync("mutation($e: String!) { createNode(input: { name: \"logs-relay\", endpoint: $e }) { id } }", new { e = relay.Endpoint }))["createNode"]!["id"]!.GetValue<string>();
        const string Node = "query($id: ID!) { node(id: $id) { status } }";
        async Task<bool> StatusIsAsync(string status) => (await admin.DataAsync(Node, new { id = nodeId }))["node"]!["status"]!.GetValue<string>() == status;
        Assert.True(await Eventually.TrueAsync(() => StatusIsAsync("ONLINE"), TimeSpan.FromSeconds(30)), "the relayed node comes online");

        var id = (await admin.DataAsync(
            "mutation($input: CreateServiceInput!) { createService(input: $input) { id } }",
            new { input = new { clientId, name = "far", nodeId, spec = Spec(Chatty) } }))["createService"]!["id"]!.GetValue<string>();
        var member = await App.MemberAsync(clientId, "MEMBER");
        await AllWrittenAsync(member, id);

        await relay.StopAsync();
        Assert.True(await Eventually.TrueAsync(() => StatusIsAsync("OFFLINE"), TimeSpan.FromSeconds(30)), "the node shows offline");
        var clock = Stopwatch.StartNew();
        var refused = await member.SendAsync(Logs, new { id });
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"An offline node is not waited on; took {clock.Elapsed}");
        Assert.Equal("UNAVAILABLE", refused.ErrorCode);
        Assert.StartsWith("The service's node is offline since ", Message(refused), StringComparison.Ordinal);
        var staff = await admin.SendAsync(Logs, new { id });
        Assert.StartsWith("Node 'logs-relay' is offline since ", Message(staff), StringComparison.Ordinal);

        await admin.DataAsync("mutation($id: ID!) { deleteService(id: $id) }", new { id });
        relay.Start();
        Assert.True(await Eventually.TrueAsync(() => StatusIsAsync("ONLINE"), TimeSpan.FromSeconds(45)), "the node recovers and removes the service's container");
        Assert.True(
            await Eventually.TrueAsync(async () => (await admin.DataAsync("query($id: ID!) { node(id: $id) { containers } }", new { id = nodeId }))["node"]!["containers"]!.GetValue<int>() == 0, TimeSpan.FromSeconds(30)),
            "the deleted service's container is gone");
        await admin.DataAsync("mutation($id: ID!) { deleteNode(id: $id) }", new { id = nodeId });
    }
}
