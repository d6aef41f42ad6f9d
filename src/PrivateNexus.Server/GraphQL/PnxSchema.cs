using GraphQL.Types;

namespace PrivateNexus.Server.GraphQL;

public sealed class PnxSchema : Schema
{
    public PnxSchema(IServiceProvider services, QueryType query, MutationType mutation)
        : base(services)
    {
        Query = query;
        Mutation = mutation;
        Description = "PrivateNexus control-plane API. See docs/api.md.";
    }
}
