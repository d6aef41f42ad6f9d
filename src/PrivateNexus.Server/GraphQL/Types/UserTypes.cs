using GraphQL;
using GraphQL.Types;
using PrivateNexus.Server.Features.Clients;
using PrivateNexus.Server.Features.Memberships;
using PrivateNexus.Server.Features.Users;

namespace PrivateNexus.Server.GraphQL.Types;

public sealed class UserType : ObjectGraphType<User>
{
    public UserType()
    {
        Name = "User";
        Field<NonNullGraphType<IdGraphType>>("id").Resolve(c => c.Source.Id);
        Field<NonNullGraphType<StringGraphType>>("email").Resolve(c => c.Source.Email);
        Field(u => u.DisplayName);
        Field<NonNullGraphType<UserStatusType>>("status").Resolve(c => c.Source.Status);
        Field<NonNullGraphType<PlatformRoleType>>("platformRole").Resolve(c => c.Source.PlatformRole);
        Field<NonNullGraphType<BooleanGraphType>>("lockedOut")
            .Description("True while sign-in is locked after repeated failures.")
            .Resolve(c => c.Source.LockoutEnd is { } end && end > c.Svc<TimeProvider>().GetUtcNow());
        Field(u => u.CreatedAt);
        Field(u => u.LastSignInAt, nullable: true);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<MembershipType>>>>("memberships")
            .Description("Client roles of this user (for others: only clients whose members you may see).")
            .ResolveAsync(async c => await c.Svc<MembershipService>().ListForUserAsync(c.Source.Id, c.CancellationToken));
    }
}

public sealed class MembershipType : ObjectGraphType<Membership>
{
    public MembershipType()
    {
        Name = "Membership";
        Field<NonNullGraphType<IdGraphType>>("clientId").Resolve(c => c.Source.ClientId);
        Field<ClientType>("client")
            .Resolve(context => context.Svc<BatchLoaders>()
                .Get<Guid, Client>("clients", (ids, ct) => context.Svc<ClientService>().GetManyAsync(ids, ct))
                .Load(context.Source.ClientId));
        Field<NonNullGraphType<IdGraphType>>("userId").Resolve(c => c.Source.UserId);
        Field<UserType>("user")
            .Resolve(context => context.Source.User is { } user
                ? user
                : context.Svc<BatchLoaders>()
                    .Get<Guid, User>("membership.users", (ids, ct) => context.Svc<UserService>().GetManyUncheckedAsync(ids, ct))
                    .Load(context.Source.UserId));
        Field<NonNullGraphType<ClientRoleType>>("role").Resolve(c => c.Source.Role);
        Field(m => m.CreatedAt);
    }
}

public sealed class CreateUserInputType : InputObjectGraphType<CreateUserInput>
{
    public CreateUserInputType()
    {
        Name = "CreateUserInput";
        Field<NonNullGraphType<StringGraphType>>("email");
        Field<StringGraphType>("displayName");
        Field<StringGraphType>("password").Description("Leave out to get a one-time invitation link instead.");
        Field<PlatformRoleType>("platformRole").DefaultValue(PlatformRole.None);
    }
}

public sealed class UpdateUserInputType : InputObjectGraphType<UpdateUserInput>
{
    public UpdateUserInputType()
    {
        Name = "UpdateUserInput";
        Field<NonNullGraphType<IdGraphType>>("id");
        Field<StringGraphType>("displayName");
        Field<PlatformRoleType>("platformRole");
    }
}

public sealed class CreateUserPayloadType : ObjectGraphType<UserWithInvitation>
{
    public CreateUserPayloadType()
    {
        Name = "CreateUserPayload";
        Field<NonNullGraphType<UserType>>("user").Resolve(c => c.Source.User);
        Field(p => p.InvitationUrl, nullable: true).Description("One-time link to set a password; shown only now.");
    }
}

public sealed class AddMemberPayloadType : ObjectGraphType<MembershipWithInvitation>
{
    public AddMemberPayloadType()
    {
        Name = "AddMemberPayload";
        Field<NonNullGraphType<MembershipType>>("membership").Resolve(c => c.Source.Membership);
        Field(p => p.InvitationUrl, nullable: true).Description("For a person new to PrivateNexus: a one-time link to set a password; shown only now.");
    }
}
