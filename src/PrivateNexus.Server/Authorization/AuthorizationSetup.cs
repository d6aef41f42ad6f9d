using PrivateNexus.Server.Common;

namespace PrivateNexus.Server.Authorization;

public static class AuthorizationSetup
{
    /// <summary>The rulebook and what it needs: the caller of this request and the cached directory of roles.</summary>
    public static IServiceCollection AddRulebook(this IServiceCollection services) =>
        services
            .AddHttpContextAccessor()
            .AddMemoryCache()
            .AddSingleton<ActorDirectory>()
            .AddScoped<CurrentActor>()
            .AddScoped<Rulebook>()
            .AddSingleton<SecretProtector>()
            .AddSingleton(TimeProvider.System);
}
