using GraphQL.Types;

namespace PrivateNexus.Server.GraphQL;

public sealed class PnxSchema : Schema
{
    public PnxSchema(IServiceProvider services, QueryType query, MutationType mutation, Subscriptions.SubscriptionType subscription)
        : base(services)
    {
        Query = query;
        Mutation = mutation;
        Subscription = subscription;
        Description = "PrivateNexus control-plane API. See docs/api.md.";

        // Same name and text as the built-in scalar, cheaper to write (see DateTimeOffsetScalar).
        RegisterType(new Types.DateTimeOffsetScalar());
        RegisterTypeMapping(typeof(DateTimeOffset), typeof(Types.DateTimeOffsetScalar));
    }
}
