using GraphQL.Types;
using PrivateNexus.Server.Features.Deployments;

namespace PrivateNexus.Server.GraphQL.Types;

public sealed class DeploymentKindType : EnumerationGraphType<DeploymentKind>;

public sealed class DeploymentStatusType : EnumerationGraphType<DeploymentStatus>;

public sealed class DeploymentStepType : ObjectGraphType<DeploymentStep>
{
    public DeploymentStepType()
    {
        Name = "DeploymentStep";
        Field(s => s.Time);
        Field(s => s.Message);
    }
}

public sealed class DeploymentType : ObjectGraphType<Deployment>
{
    public DeploymentType()
    {
        Name = "Deployment";
        Description = "One change of a service on its way to the engine: progress, steps and outcome.";
        Field<NonNullGraphType<IdGraphType>>("id").Resolve(c => c.Source.Id);
        Field<NonNullGraphType<IdGraphType>>("serviceId").Resolve(c => c.Source.ServiceId);
        Field<NonNullGraphType<DeploymentKindType>>("kind").Resolve(c => c.Source.Kind);
        Field<NonNullGraphType<DeploymentStatusType>>("status").Resolve(c => c.Source.Status);
        Field(d => d.Revision);
        Field(d => d.Progress, nullable: true).Description("The latest progress line.");
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<DeploymentStepType>>>>("steps").Resolve(c => c.Source.Steps);
        Field(d => d.Error, nullable: true);
        Field(d => d.CreatedBy, nullable: true);
        Field(d => d.CreatedAt);
        Field(d => d.StartedAt, nullable: true);
        Field(d => d.FinishedAt, nullable: true);
    }
}
