using PrivateNexus.Tests.Infrastructure;

namespace PrivateNexus.Tests.Features;

public abstract class AuditTests(PnxApp app) : AppTests(app)
{
    private const string Query = "query($c: ID, $a: String, $o: AuditOutcome) { auditEvents(clientId: $c, action: $a, outcome: $o, first: 50) { totalCount edges { node { action actorName actorType targetType clientId outcome sourceIp time } } } }";

    [Fact]
    public async Task Mutations_are_audited_with_actor_target_client_outcome_and_source()
    {
        var admin = await App.AdminAsync();
        var clientId = await admin.CreateClientAsync(Unique("aud"));
        var events = (await admin.DataAsync(Query, new { c = clientId, a = "client.create", o = (string?)null }))["auditEvents"]!["edges"]!.AsArray();
        var e = Assert.Single(events)!["node"]!;
        Assert.Equal("USER", e["actorType"]!.GetValue<string>());
        Assert.Equal("client", e["targetType"]!.GetValue<string>());
        Assert.Equal(clientId, e["clientId"]!.GetValue<string>());
        Assert.Equal("SUCCESS", e["outcome"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(e["sourceIp"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Owners_read_their_own_clients_trail_only_and_refusals_are_recorded()
    {
        var admin = await App.AdminAsync();
        var own = await admin.CreateClientAsync(Unique("aud-own"));
        var other = await admin.CreateClientAsync(Unique("aud-other"));
        var owner = await App.MemberAsync(own, "OWNER");

        await owner.DataAsync(Query, new { c = own, a = (string?)null, o = (string?)null });
        var all = (await owner.DataAsync(Query, new { c = (string?)null, a = (string?)null, o = (string?)null }))["auditEvents"]!["edges"]!.AsArray();
        Assert.All(all, x => Assert.Equal(own, x!["node"]!["clientId"]!.GetValue<string>()));
        Assert.Equal("NOT_FOUND", (await owner.SendAsync(Query, new { c = other, a = (string?)null, o = (string?)null })).ErrorCode);

        var member = await App.MemberAsync(own, "MEMBER");
        Assert.Equal("FORBIDDEN", (await member.SendAsync(Query, new { c = own, a = (string?)null, o = (string?)null })).ErrorCode);

        var denied = (await admin.DataAsync(Query, new { c = own, a = "denied.*", o = "DENIED" }))["auditEvents"]!["totalCount"]!.GetValue<int>();
        Assert.True(denied >= 1, "the member's refused read of the audit log is itself audited");
    }
}

public sealed class AuditTestsOnSqlite(SqliteApp app) : AuditTests(app);

public sealed class AuditTestsOnPostgres(PostgresApp app) : AuditTests(app);
