using PrivateNexus.Server.Common;
using PrivateNexus.Server.Features.Clients;
using PrivateNexus.Server.Features.Services;

namespace PrivateNexus.Server.Dashboard;

/// <summary>One line of the services list: what the table shows, read in one scope (list, live status, client names).</summary>
public sealed record ServiceRow(Guid Id, string Name, Guid ClientId, string ClientName, string Image, DesiredState DesiredState, ServiceStatus Status, DateTimeOffset UpdatedAt);

/// <summary>A page of <see cref="ServiceRow"/>s through <see cref="ServiceManager"/> (the rulebook scopes it) and the state mirror.</summary>
public static class ServiceRows
{
    public static async Task<Page<ServiceRow>> LoadAsync(DashboardCaller caller, ServiceFilter filter, int offset, int pageSize, CancellationToken cancellationToken)
    {
        await using var scope = await caller.ScopeAsync();
        var services = scope.ServiceProvider.GetRequiredService<ServiceManager>();
        var runtime = scope.ServiceProvider.GetRequiredService<ServiceRuntime>();
        var clients = scope.ServiceProvider.GetRequiredService<ClientService>();
        var page = await services.ListAsync(filter, new PageRequest(pageSize, offset == 0 ? null : Paging.EncodeCursor(offset - 1)), cancellationToken);
        var names = await clients.GetManyAsync([.. page.Items.Select(s => s.ClientId).Distinct()], cancellationToken);
        var rows = page.Items
            .Select(s => new ServiceRow(
                s.Id, s.Name, s.ClientId, names.TryGetValue(s.ClientId, out var c) ? c.Name : "", s.Image, s.DesiredState, runtime.Status(s), s.UpdatedAt))
            .ToList();
        return new Page<ServiceRow>(rows, page.Offset, page.HasNextPage, page.TotalCount);
    }
}
