using GraphQL.Types;
using PrivateNexus.Server.Features.Services;
using PrivateNexus.Server.GraphQL.Types;

namespace PrivateNexus.Server.GraphQL.Subscriptions;

public enum ServiceEventKind
{
    Changed,
    Removed,
}

/// <summary>What <c>serviceStatusChanged</c> delivers: the service as it is now, or that it is gone.</summary>
public sealed record ServiceEvent(ServiceEventKind Kind, Guid ServiceId, Guid ClientId, Service? Service);

public sealed class ServiceEventKindType : EnumerationGraphType<ServiceEventKind>;

public sealed class ServiceEventType : ObjectGraphType<ServiceEvent>
{
    public ServiceEventType()
    {
        Name = "ServiceEvent";
        Field<NonNullGraphType<ServiceEventKindType>>("kind").Resolve(c => c.Source.Kind);
        Field<NonNullGraphType<IdGraphType>>("serviceId").Resolve(c => c.Source.ServiceId);
        Field<NonNullGraphType<IdGraphType>>("clientId").Resolve(c => c.Source.ClientId);
        Field<ServiceType>("service").Description("The service now, with its live status and instances; null when it was removed.").Resolve(c => c.Source.Service);
    }
}
