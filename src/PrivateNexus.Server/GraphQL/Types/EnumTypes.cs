using GraphQL.Types;
using PrivateNexus.Server.Features.Audit;
using PrivateNexus.Server.Features.Clients;
using PrivateNexus.Server.Features.Memberships;
using PrivateNexus.Server.Features.Services;
using PrivateNexus.Server.Features.Users;

namespace PrivateNexus.Server.GraphQL.Types;

public sealed class ClientStatusType : EnumerationGraphType<ClientStatus>;

public sealed class ClientSortType : EnumerationGraphType<ClientSort>;

public sealed class UserStatusType : EnumerationGraphType<UserStatus>;

public sealed class PlatformRoleType : EnumerationGraphType<PlatformRole>;

public sealed class ClientRoleType : EnumerationGraphType<ClientRole>;

public sealed class DesiredStateType : EnumerationGraphType<DesiredState>;

public sealed class RestartPolicyType : EnumerationGraphType<RestartPolicy>;

public sealed class PortProtocolType : EnumerationGraphType<PortProtocol>;

public sealed class ServiceSortType : EnumerationGraphType<ServiceSort>;

public sealed class AuditOutcomeType : EnumerationGraphType<AuditOutcome>;

public sealed class ActorTypeType : EnumerationGraphType<ActorType>
{
    public ActorTypeType() => Name = "ActorType";
}
