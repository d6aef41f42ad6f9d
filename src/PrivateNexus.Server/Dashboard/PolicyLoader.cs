using PrivateNexus.Server.Common;
using PrivateNexus.Server.Features.Clients;
using PrivateNexus.Server.Features.Services;

namespace PrivateNexus.Server.Dashboard;

/// <summary>What the form's policy preview needs: the client (its image policy and quota) and its other services' specs.</summary>
public static class PolicyLoader
{
    public static async Task<(Client? Client, IReadOnlyList<ServiceSpec> Others)> LoadAsync(DashboardCaller caller, Guid clientId, Guid? exceptServiceId)
    {
        try
        {
            await using var scope = await caller.ScopeAsync();
            var client = await scope.ServiceProvider.GetRequiredService<ClientService>().GetAsync(clientId, CancellationToken.None);
            var services = await scope.ServiceProvider.GetRequiredService<ServiceManager>()
                .ListAsync(new ServiceFilter(ClientId: clientId), new PageRequest(PageRequest.MaxPageSize, CountTotal: false), CancellationToken.None);
            return (client, [.. services.Items.Where(s => s.Id != exceptServiceId).Select(s => s.Spec)]);
        }
        catch (DomainException)
        {
            // No preview then; the server still checks on submit.
            return (null, []);
        }
    }
}
