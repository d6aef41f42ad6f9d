using PrivateNexus.Tests.Infrastructure;

namespace PrivateNexus.Tests.Authorization;

/// <summary>
/// The matrix for subscriptions: every subscription × every caller × own/other tenant, set up over a
/// real WebSocket. Written by hand like <see cref="ExpectedOutcomes"/>, from the same rules: a
/// subscription is allowed to whoever may read what it is about. (What is delivered afterwards is
/// re-checked per event; the isolation of deliveries is tested in Realtime/SubscriptionTests.)
/// </summary>
public abstract class SubscriptionMatrix(PnxApp app) : AppTests(app)
{
    private const Outcome Ok = Outcome.Ok;
    private const Outcome Fbd = Outcome.Forbidden;
    private const Outcome Nf = Outcome.NotFound;
    private const Outcome Una = Outcome.Unauthenticated;

    private static readonly (string Operation, Tenant Tenant, Outcome[] ByCaller)[] Table =
    [
        //                                                Admin Oper  Owner Membr Viewr Anon  RdTok App
        ("serviceStatusChanged(serviceId)",        Tenant.Own,   [Ok,  Ok,   Ok,   Ok,   Ok,   Una,  Ok,   Ok]),
        ("serviceStatusChanged(serviceId)",        Tenant.Other, [Ok,  Ok,   Nf,   Nf,   Nf,   Una,  Nf,   Nf]),
        ("serviceStatusChanged(clientId)",         Tenant.Own,   [Ok,  Ok,   Ok,   Ok,   Ok,   Una,  Ok,   Ok]),
        ("serviceStatusChanged(clientId)",         Tenant.Other, [Ok,  Ok,   Nf,   Nf,   Nf,   Una,  Nf,   Nf]),
        ("serviceStatusChanged",                   Tenant.None,  [Ok,  Ok,   Ok,   Ok,   Ok,   Una,  Ok,   Ok]),
        ("deploymentProgress",                     Tenant.Own,   [Ok,  Ok,   Ok,   Ok,   Ok,   Una,  Ok,   Ok]),
        ("deploymentProgress",                     Tenant.Other, [Ok,  Ok,   Nf,   Nf,   Nf,   Una,  Nf,   Nf]),
        // As reading logs: members and up, not viewers. (No engine runs here: allowed ends at UNAVAILABLE.)
        ("serviceLogs",                            Tenant.Own,   [Ok,  Ok,   Ok,   Ok,   Fbd,  Una,  Ok,   Ok]),
        ("serviceLogs",                            Tenant.Other, [Ok,  Ok,   Nf,   Nf,   Nf,   Una,  Nf,   Nf]),
        ("nodeStatusChanged",                      Tenant.None,  [Ok,  Ok,   Fbd,  Fbd,  Fbd,  Una,  Fbd,  Fbd]),
        ("auditEventAdded(clientId)",              Tenant.Own,   [Ok,  Fbd,  Ok,   Fbd,  Fbd,  Una,  Ok,   Ok]),
        ("auditEventAdded(clientId)",              Tenant.Other, [Ok,  Fbd,  Nf,   Nf,   Nf,   Una,  Nf,   Nf]),
        ("auditEventAdded",                        Tenant.None,  [Ok,  Fbd,  Ok,   Fbd,  Fbd,  Una,  Ok,   Ok]),
        // As reading alerts: everyone of the client; without a client, whatever each may see.
        ("alertChanged(clientId)",                 Tenant.Own,   [Ok,  Ok,   Ok,   Ok,   Ok,   Una,  Ok,   Ok]),
        ("alertChanged(clientId)",                 Tenant.Other, [Ok,  Ok,   Nf,   Nf,   Nf,   Una,  Nf,   Nf]),
        ("alertChanged",                           Tenant.None,  [Ok,  Ok,   Ok,   Ok,   Ok,   Una,  Ok,   Ok]),
    ];

    private static IEnumerable<MatrixCase> All =>
        Table.SelectMany(row => row.ByCaller.Select((outcome, i) => new MatrixCase(row.Operation, (Caller)i, row.Tenant, outcome)));

    public static TheoryData<string> Cells => new(All.Select(c => c.Name));

    [Theory]
    [MemberData(nameof(Cells))]
    public async Task Subscribing_gets_exactly_the_outcome_the_matrix_expects(string cell)
    {
        var expected = All.Single(c => c.Name == cell);
        var world = await AuthzWorld.ForAsync(App);
        var (query, variables) = await SubscriptionOf(world, expected);
        var actual = await OutcomeAsync(world.As(expected.Caller).Token, query, variables);
        Assert.True(actual == expected.Expected.Code(), $"{cell}: got {actual}");
    }

    [Fact]
    public async Task Every_subscription_of_the_live_schema_has_rows()
    {
        var world = await AuthzWorld.ForAsync(App);
        var fields = (await world.Root.DataAsync("{ __schema { subscriptionType { fields { name } } } }"))["__schema"]!["subscriptionType"]!.List("fields").Ids("name");
        var covered = Table.Select(r => r.Operation.Split('(')[0]).ToHashSet(StringComparer.Ordinal);
        var missing = fields.Where(f => !covered.Contains(f)).ToList();
        Assert.True(missing.Count == 0, $"No matrix rows for: {string.Join(", ", missing)}");
    }

    private static async Task<(string Query, object Variables)> SubscriptionOf(AuthzWorld world, MatrixCase cell) => cell.Operation switch
    {
        "serviceStatusChanged(serviceId)" => ("subscription($s: ID) { serviceStatusChanged(serviceId: $s) { kind } }", new { s = world.ServiceOf(cell.Tenant) }),
        "serviceStatusChanged(clientId)" => ("subscription($c: ID) { serviceStatusChanged(clientId: $c) { kind } }", new { c = world.ClientOf(cell.Tenant) }),
        "serviceStatusChanged" => ("subscription { serviceStatusChanged { kind } }", new { }),
        "deploymentProgress" => ("subscription($d: ID!) { deploymentProgress(deploymentId: $d) { id } }", new { d = await LatestDeploymentAsync(world, cell.Tenant) }),
        "serviceLogs" => ("subscription($s: ID!) { serviceLogs(serviceId: $s) { text } }", new { s = world.ServiceOf(cell.Tenant) }),
        "nodeStatusChanged" => ("subscription { nodeStatusChanged { id } }", new { }),
        "auditEventAdded(clientId)" => ("subscription($c: ID) { auditEventAdded(clientId: $c) { id } }", new { c = world.ClientOf(cell.Tenant) }),
        "auditEventAdded" => ("subscription { auditEventAdded { id } }", new { }),
        "alertChanged(clientId)" => ("subscription($c: ID) { alertChanged(clientId: $c) { id } }", new { c = world.ClientOf(cell.Tenant) }),
        "alertChanged" => ("subscription { alertChanged { id } }", new { }),
        _ => throw new InvalidOperationException(cell.Operation),
    };

    private static async Task<string> LatestDeploymentAsync(AuthzWorld world, Tenant tenant) =>
        (await world.Root.DataAsync("query($id: ID!) { service(id: $id) { latestDeployment { id } } }", new { id = world.ServiceOf(tenant) }))
            ["service"]!["latestDeployment"]!.Str("id");

    /// <summary>The answer in the matrix's terms: the refusal's code, OK when the subscription was set up (or reached the engine).</summary>
    private async Task<string> OutcomeAsync(string? token, string query, object variables)
    {
        if (token is null)
        {
            await using var anonymous = await GraphQLWsClient.ConnectAsync(App);
            await anonymous.SendAsync(new { type = "connection_init" });
            var (code, _) = await anonymous.ClosedAsync();
            return code == 4403 ? Outcome.Unauthenticated.Code() : $"close {code}";
        }

        await using var ws = await GraphQLWsClient.ReadyAsync(App, token);
        await ws.SubscribeAsync("s", query, variables);
        await ws.SendAsync(new { type = "ping" });
        var first = await ws.ReceiveAsync() ?? throw new InvalidOperationException($"closed: {ws.CloseStatus} {ws.CloseReason}");
        return first["type"]!.GetValue<string>() switch
        {
            "pong" => Outcome.Ok.Code(),
            "next" when first["payload"]!["errors"] is { } errors => errors[0]!["extensions"]!["code"]!.GetValue<string>() is var code && code == "UNAVAILABLE" ? Outcome.Ok.Code() : code,
            "next" => Outcome.Ok.Code(),
            _ => first.ToJsonString(),
        };
    }
}

public sealed class SubscriptionMatrixOnSqlite(SqliteApp app) : SubscriptionMatrix(app);

public sealed class SubscriptionMatrixOnPostgres(PostgresApp app) : SubscriptionMatrix(app);
