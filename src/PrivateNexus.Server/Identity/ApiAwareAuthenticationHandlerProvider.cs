using Microsoft.AspNetCore.Authentication;
using OpenIddict.Server.AspNetCore;
using PrivateNexus.Server.GraphQL;

namespace PrivateNexus.Server.Identity;

/// <summary>
/// ASP.NET Core's handler provider, except that on the GraphQL route the OAuth server's handler is
/// handed out without its "is this request mine?" side. The authentication middleware asks every
/// request-handling scheme that question on every request, and OpenIddict's server answers it by
/// opening a transaction and dispatching its request pipeline — about 4 % of a GraphQL request's CPU
/// (docs/benchmarks.md, "Engine: state mirror") — for a route that is never one of its endpoints
/// (<c>/connect/*</c>, <c>/.well-known/*</c>). Anything else asked of the handler there (authenticate,
/// challenge, sign in or out) still reaches the real one.
/// </summary>
/// <remarks>
/// Filtering the middleware itself (UseWhen around UseAuthentication) does not work: the host then
/// adds a second authentication middleware of its own in front of the rate limiter.
/// </remarks>
public sealed class ApiAwareAuthenticationHandlerProvider(IAuthenticationSchemeProvider schemes) : IAuthenticationHandlerProvider
{
    private readonly AuthenticationHandlerProvider _inner = new(schemes);

    public Task<IAuthenticationHandler?> GetHandlerAsync(HttpContext context, string authenticationScheme) =>
        authenticationScheme == OpenIddictServerAspNetCoreDefaults.AuthenticationScheme
        && context.Request.Path.StartsWithSegments(GraphQLHttpEndpoint.Route, StringComparison.OrdinalIgnoreCase)
            ? Task.FromResult<IAuthenticationHandler?>(new NotARequestHandler(_inner, context, authenticationScheme))
            : _inner.GetHandlerAsync(context, authenticationScheme);

    /// <summary>The scheme's handler for everything but request handling, created only if it is used.</summary>
    private sealed class NotARequestHandler(AuthenticationHandlerProvider provider, HttpContext context, string scheme) : IAuthenticationSignInHandler
    {
        public Task InitializeAsync(AuthenticationScheme authenticationScheme, HttpContext httpContext) => Task.CompletedTask;

        public async Task<AuthenticateResult> AuthenticateAsync() => await (await RealAsync()).AuthenticateAsync();

        public async Task ChallengeAsync(AuthenticationProperties? properties) => await (await RealAsync()).ChallengeAsync(properties);

        public async Task ForbidAsync(AuthenticationProperties? properties) => await (await RealAsync()).ForbidAsync(properties);

        public async Task SignInAsync(System.Security.Claims.ClaimsPrincipal user, AuthenticationProperties? properties) =>
            await ((IAuthenticationSignInHandler)await RealAsync()).SignInAsync(user, properties);

        public async Task SignOutAsync(AuthenticationProperties? properties) =>
            await ((IAuthenticationSignOutHandler)await RealAsync()).SignOutAsync(properties);

        private async Task<IAuthenticationHandler> RealAsync() =>
            await provider.GetHandlerAsync(context, scheme) ?? throw new InvalidOperationException($"No authentication handler for {scheme}.");
    }
}
