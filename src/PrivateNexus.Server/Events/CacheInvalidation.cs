using Microsoft.Extensions.Caching.Memory;
using PrivateNexus.Server.Authorization;
using PrivateNexus.Server.Features.ApiTokens;

namespace PrivateNexus.Server.Events;

/// <summary>
/// Evicts this replica's cached principals and API-token records when any replica changes them,
/// so a role removed or a token revoked through replica A is effective on replica B at once.
/// </summary>
public sealed class CacheInvalidation(EventBus bus, ActorDirectory directory, IMemoryCache cache) : IHostedService
{
    private IDisposable? _listener;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _listener = bus.Listen(e =>
        {
            switch (e)
            {
                case PrincipalChanged change:
                    directory.Forget(change);
                    break;
                case ApiTokenChanged token:
                    cache.Remove(ApiTokenAuthenticationHandler.CacheKey(token.TokenHash));
                    break;
            }
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _listener?.Dispose();
        return Task.CompletedTask;
    }
}
