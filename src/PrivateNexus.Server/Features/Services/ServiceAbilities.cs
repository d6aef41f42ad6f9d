using PrivateNexus.Server.Authorization;

namespace PrivateNexus.Server.Features.Services;

/// <summary>
/// What the actor may do to the services of a client, as <see cref="ServiceManager"/> decides it: for
/// a UI to offer only those actions (the service checks again, and audits, when one is asked for).
/// </summary>
public sealed record ServiceAbilities(bool Operate, bool Manage, bool ReadLogs)
{
    public static readonly ServiceAbilities None = new(false, false, false);

    public static ServiceAbilities Of(Actor actor, Guid clientId) => new(
        Rulebook.Allows(actor, Permission.ServiceOperate, clientId),
        Rulebook.Allows(actor, Permission.ServiceManage, clientId),
        Rulebook.Allows(actor, Permission.ServiceLogs, clientId));

    /// <summary>Whether the actor may deploy services for some client (the platform's or one of theirs).</summary>
    public static bool MayDeployAnywhere(Actor actor) =>
        Rulebook.AllowsPlatform(actor, Permission.ServiceManage) || actor.ClientRoles.Keys.Any(c => Rulebook.Allows(actor, Permission.ServiceManage, c));
}
