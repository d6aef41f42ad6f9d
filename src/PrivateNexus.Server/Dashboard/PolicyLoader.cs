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
            // Every page: the quota counts all of the client's services, not the first hundred.
            var manager = scope.ServiceProvider.GetRequiredService<ServiceManager>();
            var others = new List<ServiceSpec>();
            string? after = null;
            do
            {
                var page = await manager.ListAsync(new ServiceFilter(ClientId: clientId), new PageRequest(PageRequest.MaxPageSize, after, CountTotal: false), CancellationToken.None);
                others.AddRange(page.Items.Where(s => s.Id != exceptServiceId).Select(s => s.Spec));
                after = page.HasNextPage ? page.CursorAt(page.Items.Count - 1) : null;
            }
            while (after is not null);
            return (client, others);
        }
        catch (DomainException)
        {
            // No preview then; the server still checks on submit.
            return (null, []);
        }
    }
}
