namespace PrivateNexus.Tests.Authorization;

/// <summary>
/// "Every … permission refusal is recorded" (issue, Audit): a representative refusal per kind of
/// caller and refusal, each re-read from the trail as the admin. In the matrix class, so no other case
/// of this world runs meanwhile and the newest event of the caller is the refusal's.
/// </summary>
public abstract partial class AuthorizationMatrix
{
    public static TheoryData<string> AuditedRefusals =>
    [
        "deleteService · Member · own client → FORBIDDEN",
        "service · Owner · other client → NOT_FOUND",
        "addMember · Viewer · other client → NOT_FOUND",
        "createNode · Viewer · no client → FORBIDDEN",
        "users · Operator · no client → FORBIDDEN",
        "createService · ReadOnlyToken · own client → FORBIDDEN",
        "suspendClient · Automation · own client → FORBIDDEN",
    ];

    [Theory]
    [MemberData(nameof(AuditedRefusals))]
    public async Task A_refusal_is_recorded_in_the_audit_trail(string cell)
    {
        var refused = ExpectedOutcomes.Find(cell);
        var world = await AuthzWorld.ForAsync(App);
        var actorId = world.ActorIdOf(refused.Caller);
        const string Denials = """
            query($a: String) { auditEvents(first: 1, actorId: $a, outcome: DENIED) { totalCount items { actorType outcome clientId } } }
            """;
        var before = (await world.Root.DataAsync(Denials, new { a = actorId }))["auditEvents"]!["totalCount"]!.GetValue<int>();

        var attempt = await Operations.All[refused.Operation](new MatrixContext(world, refused));
        var result = await world.As(refused.Caller).SendAsync(attempt.Document, attempt.Variables);
        Assert.Equal(refused.Expected.Code(), result.ErrorCode);

        var after = (await world.Root.DataAsync(Denials, new { a = actorId }))["auditEvents"]!;
        Assert.True(after["totalCount"]!.GetValue<int>() > before, $"{cell}: no DENIED event was recorded for {actorId}.");
        var newest = after["items"]![0]!;
        var expectedActorType = refused.Caller switch
        {
            Caller.ReadOnlyToken => "API_TOKEN",
            Caller.Automation => "APPLICATION",
            _ => "USER",
        };
        Assert.Equal(expectedActorType, newest.Str("actorType"));

        // A refusal inside a tenant is filed under that tenant, so its owners can see who knocked.
        if (refused.Tenant != Tenant.None)
        {
            Assert.Equal(world.ClientOf(refused.Tenant), newest["clientId"]?.GetValue<string>());
        }
    }
}
