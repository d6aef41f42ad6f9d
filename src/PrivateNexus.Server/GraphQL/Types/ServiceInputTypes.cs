using GraphQL.Types;
using PrivateNexus.Server.Features.Services;

namespace PrivateNexus.Server.GraphQL.Types;

public sealed class EnvVarInputType : InputObjectGraphType<EnvVarInput>
{
    public EnvVarInputType()
    {
        Name = "EnvVarInput";
        Field<NonNullGraphType<StringGraphType>>("name");
        Field<StringGraphType>("value").Description("For a secret already stored, leave out to keep it.");
        Field<BooleanGraphType>("secret").DefaultValue(false).Description("Secret values are encrypted at rest and never returned.");
    }
}

public sealed class PortMappingInputType : InputObjectGraphType<PortMapping>
{
    public PortMappingInputType()
    {
        Name = "PortMappingInput";
        Field<NonNullGraphType<IntGraphType>>("containerPort");
        Field<IntGraphType>("hostPort");
        Field<PortProtocolType>("protocol").DefaultValue(PortProtocol.Tcp);
    }
}

public sealed class VolumeMountInputType : InputObjectGraphType<VolumeMount>
{
    public VolumeMountInputType()
    {
        Name = "VolumeMountInput";
        Field<NonNullGraphType<StringGraphType>>("name");
        Field<NonNullGraphType<StringGraphType>>("path");
        Field<BooleanGraphType>("readOnly").DefaultValue(false);
    }
}

public sealed class HealthCheckInputType : InputObjectGraphType<HealthCheck>
{
    public HealthCheckInputType()
    {
        Name = "HealthCheckInput";
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<StringGraphType>>>>("command");
        Field<IntGraphType>("intervalSeconds").DefaultValue(30);
        Field<IntGraphType>("timeoutSeconds").DefaultValue(5);
        Field<IntGraphType>("retries").DefaultValue(3);
        Field<IntGraphType>("startPeriodSeconds").DefaultValue(0);
    }
}

public sealed class ServiceSpecInputType : InputObjectGraphType<ServiceSpecInput>
{
    public ServiceSpecInputType()
    {
        Name = "ServiceSpecInput";
        Field<NonNullGraphType<StringGraphType>>("image");
        Field<ListGraphType<NonNullGraphType<StringGraphType>>>("command");
        Field<ListGraphType<NonNullGraphType<EnvVarInputType>>>("env");
        Field<ListGraphType<NonNullGraphType<PortMappingInputType>>>("ports");
        Field<ListGraphType<NonNullGraphType<VolumeMountInputType>>>("volumes");
        Field<NonNullGraphType<IntGraphType>>("cpuMillicores").Description("CPU limit per replica (1000 = one core). Mandatory.");
        Field<NonNullGraphType<IntGraphType>>("memoryMiB").Description("Memory limit per replica in MiB. Mandatory.");
        Field<RestartPolicyType>("restartPolicy");
        Field<HealthCheckInputType>("healthCheck");
        Field<IntGraphType>("replicas");
    }
}

public sealed class CreateServiceInputType : InputObjectGraphType<CreateServiceInput>
{
    public CreateServiceInputType()
    {
        Name = "CreateServiceInput";
        Field<NonNullGraphType<IdGraphType>>("clientId");
        Field<NonNullGraphType<StringGraphType>>("name");
        Field<NonNullGraphType<ServiceSpecInputType>>("spec");
        Field<IdGraphType>("nodeId").Description("Platform staff only; otherwise placed automatically.");
        Field<DesiredStateType>("desiredState");
        Field<BooleanGraphType>("policyOverride").Description("Platform admins only: deploy outside the client's image policy, quota and port range (audited).");
    }
}

public sealed class UpdateServiceInputType : InputObjectGraphType<UpdateServiceInput>
{
    public UpdateServiceInputType()
    {
        Name = "UpdateServiceInput";
        Field<NonNullGraphType<IdGraphType>>("id");
        Field<NonNullGraphType<ServiceSpecInputType>>("spec");
        Field<IntGraphType>("expectedRevision");
        Field<BooleanGraphType>("policyOverride").Description("Platform admins only: deploy outside the client's image policy, quota and port range (audited).");
    }
}
