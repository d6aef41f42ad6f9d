using GraphQL;
using GraphQL.Types;
using PrivateNexus.Server.Features.ApiTokens;
using PrivateNexus.Server.Features.Automation;
using PrivateNexus.Server.Features.Clients;
using PrivateNexus.Server.Features.Memberships;
using PrivateNexus.Server.Features.Nodes;
using PrivateNexus.Server.Features.Services;
using PrivateNexus.Server.Features.Users;
using PrivateNexus.Server.GraphQL.Types;

namespace PrivateNexus.Server.GraphQL;

/// <summary>
/// Write side. Each field calls one feature-service method, which authorizes, validates, writes
/// and audits in one transaction. Mutations are safe to retry: repeating one that already took
/// effect either changes nothing or answers CONFLICT, never duplicates.
/// </summary>
public sealed class MutationType : ObjectGraphType
{
    public MutationType()
    {
        Name = "Mutation";
        AddClientFields();
        AddUserFields();
        AddNodeFields();
        AddServiceFields();
        AddAccessFields();
        AlertFields.AddMutations(this);
    }

    private void AddClientFields()
    {
        Field<NonNullGraphType<ClientType>>("createClient")
            .Argument<NonNullGraphType<CreateClientInputType>>("input")
            .ResolveAsync(async c => await c.Svc<ClientService>().CreateAsync(c.GetArgument<CreateClientInput>("input"), c.CancellationToken));
        Field<NonNullGraphType<ClientType>>("updateClient")
            .Argument<NonNullGraphType<UpdateClientInputType>>("input")
            .ResolveAsync(async c => await c.Svc<ClientService>().UpdateAsync(c.GetArgument<UpdateClientInput>("input"), c.CancellationToken));
        Field<NonNullGraphType<ClientType>>("suspendClient")
            .Argument<NonNullGraphType<IdGraphType>>("id")
            .ResolveAsync(async c => await c.Svc<ClientService>().SetStatusAsync(c.GetId(), ClientStatus.Suspended, c.CancellationToken));
        Field<NonNullGraphType<ClientType>>("resumeClient")
            .Argument<NonNullGraphType<IdGraphType>>("id")
            .ResolveAsync(async c => await c.Svc<ClientService>().SetStatusAsync(c.GetId(), ClientStatus.Active, c.CancellationToken));
        Field<NonNullGraphType<IdGraphType>>("deleteClient")
            .Argument<NonNullGraphType<IdGraphType>>("id")
            .ResolveAsync(async c => await c.Svc<ClientService>().DeleteAsync(c.GetId(), c.CancellationToken));

        Field<NonNullGraphType<AddMemberPayloadType>>("addMember")
            .Argument<NonNullGraphType<IdGraphType>>("clientId")
            .Argument<NonNullGraphType<StringGraphType>>("email")
            .Argument<NonNullGraphType<ClientRoleType>>("role")
            .ResolveAsync(async c => await c.Svc<MembershipService>().AddAsync(
                c.GetId("clientId"), c.GetArgument<string>("email"), c.GetArgument<ClientRole>("role"), c.CancellationToken));
        Field<NonNullGraphType<MembershipType>>("changeMemberRole")
            .Argument<NonNullGraphType<IdGraphType>>("clientId")
            .Argument<NonNullGraphType<IdGraphType>>("userId")
            .Argument<NonNullGraphType<ClientRoleType>>("role")
            .ResolveAsync(async c => await c.Svc<MembershipService>().ChangeRoleAsync(
                c.GetId("clientId"), c.GetId("userId"), c.GetArgument<ClientRole>("role"), c.CancellationToken));
        Field<NonNullGraphType<IdGraphType>>("removeMember")
            .Argument<NonNullGraphType<IdGraphType>>("clientId")
            .Argument<NonNullGraphType<IdGraphType>>("userId")
            .ResolveAsync(async c => await c.Svc<MembershipService>().RemoveAsync(c.GetId("clientId"), c.GetId("userId"), c.CancellationToken));
    }

    private void AddUserFields()
    {
        Field<NonNullGraphType<CreateUserPayloadType>>("createUser")
            .Argument<NonNullGraphType<CreateUserInputType>>("input")
            .ResolveAsync(async c => await c.Svc<UserService>().CreateAsync(c.GetArgument<CreateUserInput>("input"), c.CancellationToken));
        Field<NonNullGraphType<UserType>>("updateUser")
            .Argument<NonNullGraphType<UpdateUserInputType>>("input")
            .ResolveAsync(async c => await c.Svc<UserService>().UpdateAsync(c.GetArgument<UpdateUserInput>("input"), c.CancellationToken));
        Field<NonNullGraphType<UserType>>("disableUser")
            .Argument<NonNullGraphType<IdGraphType>>("id")
            .ResolveAsync(async c => await c.Svc<UserService>().SetStatusAsync(c.GetId(), UserStatus.Disabled, c.CancellationToken));
        Field<NonNullGraphType<UserType>>("enableUser")
            .Argument<NonNullGraphType<IdGraphType>>("id")
            .ResolveAsync(async c => await c.Svc<UserService>().SetStatusAsync(c.GetId(), UserStatus.Active, c.CancellationToken));
        Field<NonNullGraphType<IdGraphType>>("deleteUser")
            .Argument<NonNullGraphType<IdGraphType>>("id")
            .ResolveAsync(async c => await c.Svc<UserService>().DeleteAsync(c.GetId(), c.CancellationToken));
        Field<NonNullGraphType<BooleanGraphType>>("changePassword")
            .Argument<NonNullGraphType<StringGraphType>>("currentPassword")
            .Argument<NonNullGraphType<StringGraphType>>("newPassword")
            .ResolveAsync(async c => await c.Svc<UserService>().ChangeOwnPasswordAsync(
                c.GetArgument<string>("currentPassword"), c.GetArgument<string>("newPassword"), c.CancellationToken));
    }

    private void AddNodeFields()
    {
        Field<NonNullGraphType<NodeType>>("createNode")
            .Argument<NonNullGraphType<CreateNodeInputType>>("input")
            .ResolveAsync(async c => await c.Svc<NodeService>().CreateAsync(c.GetArgument<CreateNodeModel>("input").ToInput(), c.CancellationToken));
        Field<NonNullGraphType<NodeType>>("updateNode")
            .Argument<NonNullGraphType<UpdateNodeInputType>>("input")
            .ResolveAsync(async c => await c.Svc<NodeService>().UpdateAsync(c.GetArgument<UpdateNodeModel>("input").ToInput(), c.CancellationToken));
        Field<NonNullGraphType<NodeTestResultType>>("testNode")
            .Description("Connects to the node now and reports its engine (bounded by the engine call timeout).")
            .Argument<NonNullGraphType<IdGraphType>>("id")
            .ResolveAsync(async c => await c.Svc<NodeService>().TestAsync(c.GetId(), c.CancellationToken));
        Field<NonNullGraphType<IdGraphType>>("deleteNode")
            .Argument<NonNullGraphType<IdGraphType>>("id")
            .ResolveAsync(async c => await c.Svc<NodeService>().DeleteAsync(c.GetId(), c.CancellationToken));
    }

    private void AddServiceFields()
    {
        Field<NonNullGraphType<ServiceType>>("createService")
            .Argument<NonNullGraphType<CreateServiceInputType>>("input")
            .ResolveAsync(async c => await c.Svc<ServiceManager>().CreateAsync(c.GetArgument<CreateServiceInput>("input"), c.CancellationToken));
        Field<NonNullGraphType<ServiceType>>("updateService")
            .Description("Writes a new revision; sending the current spec again changes nothing.")
            .Argument<NonNullGraphType<UpdateServiceInputType>>("input")
            .ResolveAsync(async c => await c.Svc<ServiceManager>().UpdateAsync(c.GetArgument<UpdateServiceInput>("input"), c.CancellationToken));
        Field<NonNullGraphType<ServiceType>>("rollbackService")
            .Description("Writes a new revision with the spec of an earlier one.")
            .Argument<NonNullGraphType<IdGraphType>>("id")
            .Argument<NonNullGraphType<IntGraphType>>("toRevision")
            .ResolveAsync(async c => await c.Svc<ServiceManager>().RollbackAsync(c.GetId(), c.GetArgument<int>("toRevision"), c.CancellationToken));
        Field<NonNullGraphType<ServiceType>>("startService")
            .Argument<NonNullGraphType<IdGraphType>>("id")
            .ResolveAsync(async c => await c.Svc<ServiceManager>().StartAsync(c.GetId(), c.CancellationToken));
        Field<NonNullGraphType<ServiceType>>("stopService")
            .Argument<NonNullGraphType<IdGraphType>>("id")
            .ResolveAsync(async c => await c.Svc<ServiceManager>().StopAsync(c.GetId(), c.CancellationToken));
        Field<NonNullGraphType<ServiceType>>("restartService")
            .Description("Replaces the service's containers with fresh ones.")
            .Argument<NonNullGraphType<IdGraphType>>("id")
            .ResolveAsync(async c => await c.Svc<ServiceManager>().RestartAsync(c.GetId(), c.CancellationToken));
        Field<NonNullGraphType<IdGraphType>>("deleteService")
            .Argument<NonNullGraphType<IdGraphType>>("id")
            .ResolveAsync(async c => await c.Svc<ServiceManager>().DeleteAsync(c.GetId(), c.CancellationToken));
    }

    private void AddAccessFields()
    {
        Field<NonNullGraphType<CreateApiTokenPayloadType>>("createApiToken")
            .Argument<NonNullGraphType<CreateApiTokenInputType>>("input")
            .ResolveAsync(async c => await c.Svc<ApiTokenService>().CreateAsync(c.GetArgument<CreateApiTokenInput>("input"), c.CancellationToken));
        Field<NonNullGraphType<ApiTokenType>>("revokeApiToken")
            .Argument<NonNullGraphType<IdGraphType>>("id")
            .ResolveAsync(async c => await c.Svc<ApiTokenService>().RevokeAsync(c.GetId(), c.CancellationToken));
        Field<NonNullGraphType<CreateAutomationClientPayloadType>>("createAutomationClient")
            .Argument<NonNullGraphType<CreateAutomationClientInputType>>("input")
            .ResolveAsync(async c => await c.Svc<AutomationClientService>().CreateAsync(c.GetArgument<CreateAutomationClientInput>("input"), c.CancellationToken));
        Field<NonNullGraphType<AutomationClientType>>("revokeAutomationClient")
            .Argument<NonNullGraphType<IdGraphType>>("id")
            .ResolveAsync(async c => await c.Svc<AutomationClientService>().RevokeAsync(c.GetId(), c.CancellationToken));
    }
}
