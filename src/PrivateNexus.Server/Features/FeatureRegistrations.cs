using PrivateNexus.Server.Features.ApiTokens;
using PrivateNexus.Server.Features.Audit;
using PrivateNexus.Server.Features.Automation;
using PrivateNexus.Server.Features.Clients;
using PrivateNexus.Server.Features.Memberships;
using PrivateNexus.Server.Features.Nodes;
using PrivateNexus.Server.Features.Services;
using PrivateNexus.Server.Features.Users;

namespace PrivateNexus.Server.Features;

/// <summary>One AddXxx per feature; Program.cs lists them.</summary>
public static class FeatureRegistrations
{
    public static IServiceCollection AddAudit(this IServiceCollection services) =>
        services.AddScoped<AuditLog>().AddScoped<AuditQueryService>();

    public static IServiceCollection AddClients(this IServiceCollection services) => services.AddScoped<ClientService>();

    public static IServiceCollection AddUsers(this IServiceCollection services) =>
        services.AddScoped<UserService>().AddScoped<InvitationLinks>().AddScoped<MembershipService>();

    public static IServiceCollection AddNodes(this IServiceCollection services) => services.AddScoped<NodeService>();

    public static IServiceCollection AddServices(this IServiceCollection services) =>
        services.AddScoped<ServiceManager>().AddScoped<SpecValidator>().AddSingleton<ServiceRuntime>().AddSingleton<ServiceListCache>().AddScoped<Deployments.DeploymentService>();

    public static IServiceCollection AddApiTokens(this IServiceCollection services) => services.AddScoped<ApiTokenService>();

    public static IServiceCollection AddAutomationClients(this IServiceCollection services) => services.AddScoped<AutomationClientService>();

    /// <summary>Explicit, bounded reads of a service's logs from its engine (stats come from the mirror).</summary>
    public static IServiceCollection AddServiceLogs(this IServiceCollection services) =>
        services.AddScoped<ServiceLogReader>().AddScoped<ServiceLogFollower>();
}
