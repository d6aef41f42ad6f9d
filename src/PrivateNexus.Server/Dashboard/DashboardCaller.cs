using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;
using PrivateNexus.Server.Authorization;

namespace PrivateNexus.Server.Dashboard;

/// <summary>
/// How a dashboard component calls a feature service: each call in a DI scope of its own (its own
/// DbContext, as a GraphQL operation has), with <see cref="CurrentActor"/> set from the circuit's
/// signed-in principal. The actor is resolved afresh through the cached directory on every call, so a
/// role taken away applies to an open page at its next action or refresh, as it does to the API.
/// One per circuit.
/// </summary>
public sealed class DashboardCaller(AuthenticationStateProvider authentication, IServiceScopeFactory scopes)
{
    public async Task<T> CallAsync<TService, T>(Func<TService, CancellationToken, Task<T>> call, CancellationToken cancellationToken = default)
        where TService : notnull
    {
        await using var scope = await ScopeAsync();
        return await call(scope.ServiceProvider.GetRequiredService<TService>(), cancellationToken);
    }

    public async Task CallAsync<TService>(Func<TService, CancellationToken, Task> call, CancellationToken cancellationToken = default)
        where TService : notnull
    {
        await using var scope = await ScopeAsync();
        await call(scope.ServiceProvider.GetRequiredService<TService>(), cancellationToken);
    }

    /// <summary>A scope acting as the signed-in user, for calls that need several services; the caller disposes it.</summary>
    public async Task<AsyncServiceScope> ScopeAsync()
    {
        var principal = await PrincipalAsync();
        var scope = scopes.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentActor>().SetPrincipal(principal);
        return scope;
    }

    /// <summary>The signed-in user as the rulebook sees them right now.</summary>
    public async Task<Actor> ActorAsync(CancellationToken cancellationToken = default)
    {
        await using var scope = await ScopeAsync();
        return await scope.ServiceProvider.GetRequiredService<CurrentActor>().GetAsync(cancellationToken);
    }

    private async Task<ClaimsPrincipal> PrincipalAsync() => (await authentication.GetAuthenticationStateAsync()).User;
}
