namespace PrivateNexus.Tests.Authorization;

/// <summary>
/// "Not even learn that it exists": for the owner of A, an operation aimed at an object of B must
/// answer exactly (same code, same message) as the same operation aimed at an id that exists nowhere.
/// </summary>
public abstract partial class AuthorizationMatrix
{
    private static readonly Dictionary<string, (string Document, Func<AuthzWorld, string> ObjectOfB)> ById = new()
    {
        ["client"] = ("query($id: ID!) { client(id: $id) { id } }", w => w.ClientB),
        ["service"] = ("query($id: ID!) { service(id: $id) { id } }", w => w.ServiceB),
        ["serviceLogs"] = ("query($id: ID!) { serviceLogs(serviceId: $id) { truncated } }", w => w.ServiceB),
        ["user"] = ("query($id: ID!) { user(id: $id) { id } }", w => w.PawnB),
        ["auditEvents(clientId)"] = ("query($id: ID) { auditEvents(clientId: $id) { totalCount } }", w => w.ClientB),
        ["automationClients(organisationId)"] = ("query($id: ID) { automationClients(organisationId: $id) { id } }", w => w.ClientB),
        ["updateClient"] = ("mutation($id: ID!) { updateClient(input: { id: $id, name: \"probe\" }) { id } }", w => w.ClientB),
        ["suspendClient"] = ("mutation($id: ID!) { suspendClient(id: $id) { id } }", w => w.ClientB),
        ["resumeClient"] = ("mutation($id: ID!) { resumeClient(id: $id) { id } }", w => w.ClientB),
        ["deleteClient"] = ("mutation($id: ID!) { deleteClient(id: $id) }", w => w.ClientB),
        ["addMember"] = ("mutation($id: ID!) { addMember(clientId: $id, email: \"probe@example.test\", role: VIEWER) { invitationUrl } }", w => w.ClientB),
        ["removeMember"] = ("mutation($id: ID!) { removeMember(clientId: $id, userId: \"00000000-0000-0000-0000-000000000001\") }", w => w.ClientB),
        ["createService"] = (
            "mutation($id: ID!) { createService(input: { clientId: $id, name: \"probe\", spec: { image: \"busybox\", cpuMillicores: 10, memoryMiB: 16 } }) { id } }",
            w => w.ClientB),
        ["updateService"] = (
            "mutation($id: ID!) { updateService(input: { id: $id, spec: { image: \"busybox\", cpuMillicores: 10, memoryMiB: 16 } }) { id } }",
            w => w.ServiceB),
        ["rollbackService"] = ("mutation($id: ID!) { rollbackService(id: $id, toRevision: 1) { id } }", w => w.ServiceB),
        ["startService"] = ("mutation($id: ID!) { startService(id: $id) { id } }", w => w.ServiceB),
        ["stopService"] = ("mutation($id: ID!) { stopService(id: $id) { id } }", w => w.ServiceB),
        ["restartService"] = ("mutation($id: ID!) { restartService(id: $id) { id } }", w => w.ServiceB),
        ["deleteService"] = ("mutation($id: ID!) { deleteService(id: $id) }", w => w.ServiceB),
        ["createAutomationClient"] = ("mutation($id: ID!) { createAutomationClient(input: { name: \"probe\", organisationId: $id, role: \"VIEWER\" }) { clientSecret } }", w => w.ClientB),
        ["revokeAutomationClient"] = ("mutation($id: ID!) { revokeAutomationClient(id: $id) { id } }", w => w.SpareAppB),
        ["revokeApiToken"] = ("mutation($id: ID!) { revokeApiToken(id: $id) { id } }", w => w.ForeignToken.Id),
    };

    /// <summary>Operations where the server is known to tell the two apart, with the reason.</summary>
    private static readonly Dictionary<string, string> KnownLeaks = [];

    public static TheoryData<string> OperationsById =>
        new(ById.Keys.Select(op => new TheoryDataRow<string>(op) { Skip = KnownLeaks.GetValueOrDefault(op) }));

    [Theory]
    [MemberData(nameof(OperationsById))]
    public async Task Another_tenants_object_is_indistinguishable_from_one_that_does_not_exist(string operation)
    {
        var world = await AuthzWorld.ForAsync(App);
        var (document, objectOfB) = ById[operation];
        var owner = world.As(Caller.Owner);

        var aimedAtB = await owner.SendAsync(document, new { id = objectOfB(world) });
        var aimedAtNothing = await owner.SendAsync(document, new { id = Guid.NewGuid().ToString() });

        Assert.NotNull(aimedAtB.Errors);
        Assert.True(
            aimedAtNothing.Body.ToJsonString() == aimedAtB.Body.ToJsonString(),
            $"{operation} tells B's object from a missing one.\nB's object: {aimedAtB}\nmissing:    {aimedAtNothing}");
    }
}
