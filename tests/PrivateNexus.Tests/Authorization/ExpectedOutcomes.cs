namespace PrivateNexus.Tests.Authorization;

/// <summary>One cell of the matrix: an operation, a caller, whose object, and what must happen.</summary>
public sealed record MatrixCase(string Operation, Caller Caller, Tenant Tenant, Outcome Expected)
{
    public string Name => $"{Operation} · {Caller} · {Tenant.Label()} → {Expected.Code()}";
}

/// <summary>
/// The authorization matrix, written out by hand from the issue ("Authorization: one rulebook") and
/// DESIGN.md, NOT derived from the server's RolePermissions: a test computed from the server's own
/// table could never fail. Each row is one operation against one tenant; the columns are the callers,
/// in the order of <see cref="Caller"/>.
///
/// The rules this table encodes:
/// - Admin: everything. Operator: every client's services (read, operate, manage) and reading clients,
///   their members and the nodes; no user, node, client, audit or automation administration.
/// - Owner: the own client's people, services, audit trail and automation clients. Member: read, start,
///   stop, read logs. Viewer: read only (no logs). Client members lists are for owners and platform staff.
/// - Another tenant's objects answer NOT_FOUND (the caller must not learn they exist); a visible object
///   the caller may not touch answers FORBIDDEN; no credential answers UNAUTHENTICATED.
/// - Users and nodes are platform objects, not tenant objects: their administration is refused by role
///   before any lookup (FORBIDDEN whoever the target is), which reveals nothing about the target.
/// - A credential without the api:write scope may not change anything (FORBIDDEN), but keeps the reads
///   of its user. Personal API tokens and applications cannot manage personal tokens or passwords.
/// </summary>
public static class ExpectedOutcomes
{
    private const Outcome Ok = Outcome.Ok;
    private const Outcome Hid = Outcome.Hidden;
    private const Outcome Fbd = Outcome.Forbidden;
    private const Outcome Nf = Outcome.NotFound;
    private const Outcome Una = Outcome.Unauthenticated;

    private const Tenant Own = Tenant.Own;
    private const Tenant Other = Tenant.Other;
    private const Tenant None = Tenant.None;

    private static readonly (string Operation, Tenant Tenant, Outcome[] ByCaller)[] Table =
    [
        // ---------------------------------------------------------------- queries
        //                                                Admin Oper  Owner Membr Viewr Anon  RdTok App
        ("me",                                     None,  [Ok,  Ok,   Ok,   Ok,   Ok,   Una,  Ok,   Nf]),  // an application is no user
        ("client",                                 Own,   [Ok,  Ok,   Ok,   Ok,   Ok,   Una,  Ok,   Ok]),
        ("client",                                 Other, [Ok,  Ok,   Nf,   Nf,   Nf,   Una,  Nf,   Nf]),
        ("clients",                                Own,   [Ok,  Ok,   Ok,   Ok,   Ok,   Una,  Ok,   Ok]),
        ("clients",                                Other, [Ok,  Ok,   Hid,  Hid,  Hid,  Una,  Hid,  Hid]),
        ("user",                                   Own,   [Ok,  Fbd,  Fbd,  Fbd,  Fbd,  Una,  Fbd,  Fbd]),
        ("user",                                   Other, [Ok,  Fbd,  Fbd,  Fbd,  Fbd,  Una,  Fbd,  Fbd]),
        ("user(self)",                             None,  [Ok,  Ok,   Ok,   Ok,   Ok,   Una,  Ok,   Fbd]), // app: "self" is the owner, not it
        ("users",                                  None,  [Ok,  Fbd,  Fbd,  Fbd,  Fbd,  Una,  Fbd,  Fbd]),
        ("nodes",                                  None,  [Ok,  Ok,   Fbd,  Fbd,  Fbd,  Una,  Fbd,  Fbd]),
        ("node",                                   None,  [Ok,  Ok,   Fbd,  Fbd,  Fbd,  Una,  Fbd,  Fbd]),
        ("service",                                Own,   [Ok,  Ok,   Ok,   Ok,   Ok,   Una,  Ok,   Ok]),
        ("service",                                Other, [Ok,  Ok,   Nf,   Nf,   Nf,   Una,  Nf,   Nf]),
        ("deployment",                             Own,   [Ok,  Ok,   Ok,   Ok,   Ok,   Una,  Ok,   Ok]),
        ("deployment",                             Other, [Ok,  Ok,   Nf,   Nf,   Nf,   Una,  Nf,   Nf]),
        ("services",                               Own,   [Ok,  Ok,   Ok,   Ok,   Ok,   Una,  Ok,   Ok]),
        ("services",                               Other, [Ok,  Ok,   Hid,  Hid,  Hid,  Una,  Hid,  Hid]),
        // Logs can hold more than a service's status shows: members and up, not viewers.
        ("serviceLogs",                            Own,   [Ok,  Ok,   Ok,   Ok,   Fbd,  Una,  Ok,   Ok]),
        ("serviceLogs",                            Other, [Ok,  Ok,   Nf,   Nf,   Nf,   Una,  Nf,   Nf]),
        ("auditEvents(clientId)",                  Own,   [Ok,  Fbd,  Ok,   Fbd,  Fbd,  Una,  Ok,   Ok]),
        ("auditEvents(clientId)",                  Other, [Ok,  Fbd,  Nf,   Nf,   Nf,   Una,  Nf,   Nf]),
        ("auditEvents",                            Own,   [Ok,  Fbd,  Ok,   Fbd,  Fbd,  Una,  Ok,   Ok]),
        ("auditEvents",                            Other, [Ok,  Fbd,  Hid,  Fbd,  Fbd,  Una,  Hid,  Hid]),
        ("apiTokens",                              None,  [Ok,  Ok,   Ok,   Ok,   Ok,   Una,  Fbd,  Fbd]),
        // Listing credentials is part of managing them: it needs the write scope, like creating them.
        ("automationClients(organisationId)",      Own,   [Ok,  Fbd,  Ok,   Fbd,  Fbd,  Una,  Fbd,  Ok]),
        ("automationClients(organisationId)",      Other, [Ok,  Fbd,  Nf,   Nf,   Nf,   Una,  Nf,   Nf]),
        ("automationClients",                      None,  [Ok,  Fbd,  Fbd,  Fbd,  Fbd,  Una,  Fbd,  Fbd]),

        // ------------------------------------------------ nested fields that reveal data
        ("Client.members",                         Own,   [Ok,  Ok,   Ok,   Fbd,  Fbd,  Una,  Ok,   Ok]),
        ("Client.members",                         Other, [Ok,  Ok,   Nf,   Nf,   Nf,   Una,  Nf,   Nf]),
        ("Service.node",                           Own,   [Ok,  Ok,   Hid,  Hid,  Hid,  Una,  Hid,  Hid]),
        ("Service.node",                           Other, [Ok,  Ok,   Nf,   Nf,   Nf,   Una,  Nf,   Nf]),
        // A person in both A and B, read through client A's members: is the membership in <tenant> shown?
        ("User.memberships",                       Own,   [Ok,  Ok,   Ok,   Fbd,  Fbd,  Una,  Ok,   Ok]),
        ("User.memberships",                       Other, [Ok,  Ok,   Hid,  Fbd,  Fbd,  Una,  Hid,  Hid]),

        // ---------------------------------------------------------------- mutations
        //                                                Admin Oper  Owner Membr Viewr Anon  RdTok App
        ("createClient",                           None,  [Ok,  Fbd,  Fbd,  Fbd,  Fbd,  Una,  Fbd,  Fbd]),
        ("updateClient",                           Own,   [Ok,  Fbd,  Fbd,  Fbd,  Fbd,  Una,  Fbd,  Fbd]),
        ("updateClient",                           Other, [Ok,  Fbd,  Nf,   Nf,   Nf,   Una,  Nf,   Nf]),
        ("suspendClient",                          Own,   [Ok,  Fbd,  Fbd,  Fbd,  Fbd,  Una,  Fbd,  Fbd]),
        ("suspendClient",                          Other, [Ok,  Fbd,  Nf,   Nf,   Nf,   Una,  Nf,   Nf]),
        ("resumeClient",                           Own,   [Ok,  Fbd,  Fbd,  Fbd,  Fbd,  Una,  Fbd,  Fbd]),
        ("resumeClient",                           Other, [Ok,  Fbd,  Nf,   Nf,   Nf,   Una,  Nf,   Nf]),
        ("deleteClient",                           Own,   [Ok,  Fbd,  Fbd,  Fbd,  Fbd,  Una,  Fbd,  Fbd]),
        ("deleteClient",                           Other, [Ok,  Fbd,  Nf,   Nf,   Nf,   Una,  Nf,   Nf]),
        ("addMember",                              Own,   [Ok,  Fbd,  Ok,   Fbd,  Fbd,  Una,  Fbd,  Ok]),
        ("addMember",                              Other, [Ok,  Fbd,  Nf,   Nf,   Nf,   Una,  Nf,   Nf]),
        ("changeMemberRole",                       Own,   [Ok,  Fbd,  Ok,   Fbd,  Fbd,  Una,  Fbd,  Ok]),
        ("changeMemberRole",                       Other, [Ok,  Fbd,  Nf,   Nf,   Nf,   Una,  Nf,   Nf]),
        ("removeMember",                           Own,   [Ok,  Fbd,  Ok,   Fbd,  Fbd,  Una,  Fbd,  Ok]),
        ("removeMember",                           Other, [Ok,  Fbd,  Nf,   Nf,   Nf,   Una,  Nf,   Nf]),
        ("createUser",                             None,  [Ok,  Fbd,  Fbd,  Fbd,  Fbd,  Una,  Fbd,  Fbd]),
        ("updateUser",                             Own,   [Ok,  Fbd,  Fbd,  Fbd,  Fbd,  Una,  Fbd,  Fbd]),
        ("updateUser",                             Other, [Ok,  Fbd,  Fbd,  Fbd,  Fbd,  Una,  Fbd,  Fbd]),
        ("disableUser",                            Own,   [Ok,  Fbd,  Fbd,  Fbd,  Fbd,  Una,  Fbd,  Fbd]),
        ("disableUser",                            Other, [Ok,  Fbd,  Fbd,  Fbd,  Fbd,  Una,  Fbd,  Fbd]),
        ("enableUser",                             Own,   [Ok,  Fbd,  Fbd,  Fbd,  Fbd,  Una,  Fbd,  Fbd]),
        ("enableUser",                             Other, [Ok,  Fbd,  Fbd,  Fbd,  Fbd,  Una,  Fbd,  Fbd]),
        ("deleteUser",                             Own,   [Ok,  Fbd,  Fbd,  Fbd,  Fbd,  Una,  Fbd,  Fbd]),
        ("deleteUser",                             Other, [Ok,  Fbd,  Fbd,  Fbd,  Fbd,  Una,  Fbd,  Fbd]),
        ("changePassword",                         None,  [Ok,  Ok,   Ok,   Ok,   Ok,   Una,  Fbd,  Fbd]),
        ("createNode",                             None,  [Ok,  Fbd,  Fbd,  Fbd,  Fbd,  Una,  Fbd,  Fbd]),
        ("updateNode",                             None,  [Ok,  Fbd,  Fbd,  Fbd,  Fbd,  Una,  Fbd,  Fbd]),
        ("testNode",                               None,  [Ok,  Fbd,  Fbd,  Fbd,  Fbd,  Una,  Fbd,  Fbd]),
        ("deleteNode",                             None,  [Ok,  Fbd,  Fbd,  Fbd,  Fbd,  Una,  Fbd,  Fbd]),
        ("createService",                          Own,   [Ok,  Ok,   Ok,   Fbd,  Fbd,  Una,  Fbd,  Ok]),
        ("createService",                          Other, [Ok,  Ok,   Nf,   Nf,   Nf,   Una,  Nf,   Nf]),
        ("updateService",                          Own,   [Ok,  Ok,   Ok,   Fbd,  Fbd,  Una,  Fbd,  Ok]),
        ("updateService",                          Other, [Ok,  Ok,   Nf,   Nf,   Nf,   Una,  Nf,   Nf]),
        ("rollbackService",                        Own,   [Ok,  Ok,   Ok,   Fbd,  Fbd,  Una,  Fbd,  Ok]),
        ("rollbackService",                        Other, [Ok,  Ok,   Nf,   Nf,   Nf,   Una,  Nf,   Nf]),
        ("startService",                           Own,   [Ok,  Ok,   Ok,   Ok,   Fbd,  Una,  Fbd,  Ok]),
        ("startService",                           Other, [Ok,  Ok,   Nf,   Nf,   Nf,   Una,  Nf,   Nf]),
        ("stopService",                            Own,   [Ok,  Ok,   Ok,   Ok,   Fbd,  Una,  Fbd,  Ok]),
        ("stopService",                            Other, [Ok,  Ok,   Nf,   Nf,   Nf,   Una,  Nf,   Nf]),
        ("restartService",                         Own,   [Ok,  Ok,   Ok,   Ok,   Fbd,  Una,  Fbd,  Ok]),
        ("restartService",                         Other, [Ok,  Ok,   Nf,   Nf,   Nf,   Una,  Nf,   Nf]),
        ("deleteService",                          Own,   [Ok,  Ok,   Ok,   Fbd,  Fbd,  Una,  Fbd,  Ok]),
        ("deleteService",                          Other, [Ok,  Ok,   Nf,   Nf,   Nf,   Una,  Nf,   Nf]),
        ("createApiToken",                         None,  [Ok,  Ok,   Ok,   Ok,   Ok,   Una,  Fbd,  Fbd]),
        // "Own" is a token of the caller's own; "Other" someone else's, which even an admin cannot see.
        ("revokeApiToken",                         Own,   [Ok,  Ok,   Ok,   Ok,   Ok,   Una,  Fbd,  Fbd]),
        ("revokeApiToken",                         Other, [Nf,  Nf,   Nf,   Nf,   Nf,   Una,  Fbd,  Fbd]),
        ("createAutomationClient",                 Own,   [Ok,  Fbd,  Ok,   Fbd,  Fbd,  Una,  Fbd,  Ok]),
        ("createAutomationClient",                 Other, [Ok,  Fbd,  Nf,   Nf,   Nf,   Una,  Nf,   Nf]),
        ("createAutomationClient(platform)",       None,  [Ok,  Fbd,  Fbd,  Fbd,  Fbd,  Una,  Fbd,  Fbd]),
        ("revokeAutomationClient",                 Own,   [Ok,  Fbd,  Ok,   Fbd,  Fbd,  Una,  Fbd,  Ok]),
        ("revokeAutomationClient",                 Other, [Ok,  Fbd,  Nf,   Nf,   Nf,   Una,  Nf,   Nf]),
        ("revokeAutomationClient(platform)",       None,  [Ok,  Fbd,  Fbd,  Fbd,  Fbd,  Una,  Fbd,  Fbd]),

        // ---------------------------------------------------------------- alerts
        // A client's alerts and rules: everyone of the client reads them, owners manage rules and
        // channels (channels hold addresses: listing them is managing them). Staff read and manage all,
        // and alone the platform-wide ones.
        //                                                Admin Oper  Owner Membr Viewr Anon  RdTok App
        ("alerts(clientId)",                       Own,   [Ok,  Ok,   Ok,   Ok,   Ok,   Una,  Ok,   Ok]),
        ("alerts(clientId)",                       Other, [Ok,  Ok,   Nf,   Nf,   Nf,   Una,  Nf,   Nf]),
        ("alerts",                                 Own,   [Ok,  Ok,   Ok,   Ok,   Ok,   Una,  Ok,   Ok]),
        ("alerts",                                 Other, [Ok,  Ok,   Hid,  Hid,  Hid,  Una,  Hid,  Hid]),
        ("alertRules(clientId)",                   Own,   [Ok,  Ok,   Ok,   Ok,   Ok,   Una,  Ok,   Ok]),
        ("alertRules(clientId)",                   Other, [Ok,  Ok,   Nf,   Nf,   Nf,   Una,  Nf,   Nf]),
        ("alertRules",                             None,  [Ok,  Ok,   Fbd,  Fbd,  Fbd,  Una,  Fbd,  Fbd]),
        ("notificationChannels(clientId)",         Own,   [Ok,  Ok,   Ok,   Fbd,  Fbd,  Una,  Fbd,  Ok]),
        ("notificationChannels(clientId)",         Other, [Ok,  Ok,   Nf,   Nf,   Nf,   Una,  Nf,   Nf]),
        ("notificationChannels",                   None,  [Ok,  Ok,   Fbd,  Fbd,  Fbd,  Una,  Fbd,  Fbd]),
        ("createAlertRule",                        Own,   [Ok,  Ok,   Ok,   Fbd,  Fbd,  Una,  Fbd,  Ok]),
        ("createAlertRule",                        Other, [Ok,  Ok,   Nf,   Nf,   Nf,   Una,  Nf,   Nf]),
        ("createAlertRule(platform)",              None,  [Ok,  Ok,   Fbd,  Fbd,  Fbd,  Una,  Fbd,  Fbd]),
        ("updateAlertRule",                        Own,   [Ok,  Ok,   Ok,   Fbd,  Fbd,  Una,  Fbd,  Ok]),
        ("updateAlertRule",                        Other, [Ok,  Ok,   Nf,   Nf,   Nf,   Una,  Nf,   Nf]),
        ("deleteAlertRule",                        Own,   [Ok,  Ok,   Ok,   Fbd,  Fbd,  Una,  Fbd,  Ok]),
        ("deleteAlertRule",                        Other, [Ok,  Ok,   Nf,   Nf,   Nf,   Una,  Nf,   Nf]),
        ("createNotificationChannel",              Own,   [Ok,  Ok,   Ok,   Fbd,  Fbd,  Una,  Fbd,  Ok]),
        ("createNotificationChannel",              Other, [Ok,  Ok,   Nf,   Nf,   Nf,   Una,  Nf,   Nf]),
        ("createNotificationChannel(platform)",    None,  [Ok,  Ok,   Fbd,  Fbd,  Fbd,  Una,  Fbd,  Fbd]),
        ("updateNotificationChannel",              Own,   [Ok,  Ok,   Ok,   Fbd,  Fbd,  Una,  Fbd,  Ok]),
        ("updateNotificationChannel",              Other, [Ok,  Ok,   Nf,   Nf,   Nf,   Una,  Nf,   Nf]),
        ("deleteNotificationChannel",              Own,   [Ok,  Ok,   Ok,   Fbd,  Fbd,  Una,  Fbd,  Ok]),
        ("deleteNotificationChannel",              Other, [Ok,  Ok,   Nf,   Nf,   Nf,   Una,  Nf,   Nf]),
        ("testNotificationChannel",                Own,   [Ok,  Ok,   Ok,   Fbd,  Fbd,  Una,  Fbd,  Ok]),
        ("testNotificationChannel",                Other, [Ok,  Ok,   Nf,   Nf,   Nf,   Una,  Nf,   Nf]),
    ];

    /// <summary>
    /// Cells where the server is known to disagree with the table, each with the reason. They stay in
    /// the table as the correct expectation and are reported as skipped until the server is fixed.
    /// </summary>
    private static readonly Dictionary<(string Operation, Caller Caller, Tenant Tenant), string> KnownServerBugs = [];

    public static IReadOnlyList<MatrixCase> All { get; } =
    [
        .. Table.SelectMany(row =>
        {
            if (row.ByCaller.Length != Enum.GetValues<Caller>().Length)
            {
                throw new InvalidOperationException($"Row {row.Operation}/{row.Tenant} has {row.ByCaller.Length} columns.");
            }

            return row.ByCaller.Select((outcome, i) => new MatrixCase(row.Operation, (Caller)i, row.Tenant, outcome));
        }),
    ];

    private static readonly Dictionary<string, MatrixCase> ByName = All.ToDictionary(c => c.Name);

    public static MatrixCase Find(string name) => ByName[name];

    public static string? KnownBug(MatrixCase c) => KnownServerBugs.GetValueOrDefault((c.Operation, c.Caller, c.Tenant));

    /// <summary>The GraphQL field an operation name is about ("auditEvents(clientId)" → "auditEvents").</summary>
    public static string FieldOf(string operation) => operation.Split('(')[0];
}
