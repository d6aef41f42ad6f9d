using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using PrivateNexus.Server.Hosting;
using PrivateNexus.Server.Identity;

namespace PrivateNexus.Server.Dashboard.SignIn;

/// <summary>
/// The dashboard's registration as a public OAuth client (code flow + PKCE). Its redirect URIs come
/// only from what the operator configured (Pnx:PublicUrl) and the addresses this server listens on —
/// never from a request's Host header, so nobody can get a code sent to an address of their choosing.
/// Registered on the first sign-in, once the listening addresses are known (port 0 in tests).
/// </summary>
public sealed class DashboardOAuthClient(IServer server, IServiceScopeFactory scopes, IOptions<PnxOptions> options) : IDisposable
{
    public const string ClientId = "pnx-dashboard";

    private readonly SemaphoreSlim _gate = new(1, 1);
    private IReadOnlySet<string>? _registered;

    /// <summary>The callback address for this request's origin, or null when that origin is not one we may send codes to.</summary>
    public async Task<string?> RedirectUriForAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var registered = _registered ?? await RegisterAsync(cancellationToken);
        if (options.Value.PublicUrl is { } publicUrl)
        {
            return Callback(publicUrl.GetLeftPart(UriPartial.Authority));
        }

        var own = Callback($"{request.Scheme}://{request.Host}");
        return registered.Contains(own) ? own : null;
    }

    /// <summary>
    /// Where this server itself answers, for the code redemption (the token endpoint is ours): a plain
    /// HTTP listener if there is one; else the public URL, whose name the TLS certificate carries (a
    /// TLS listener reached as https://127.0.0.1 would fail the certificate check); else the first
    /// listener.
    /// </summary>
    public string BackChannelAddress(HttpContext context)
    {
        var listening = Addresses().ToList();
        var address = listening.FirstOrDefault(a => a.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
            ?? options.Value.PublicUrl?.GetLeftPart(UriPartial.Authority)
            ?? listening.FirstOrDefault()
            ?? $"{context.Request.Scheme}://{context.Request.Host}";
        return address.TrimEnd('/') + "/";
    }

    private async Task<IReadOnlySet<string>> RegisterAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_registered is { } done)
            {
                return done;
            }

            var origins = Addresses().ToList();
            if (options.Value.PublicUrl is { } publicUrl)
            {
                origins.Add(publicUrl.GetLeftPart(UriPartial.Authority));
            }

            var uris = origins.Select(Callback).ToHashSet(StringComparer.Ordinal);
            await using var scope = scopes.CreateAsyncScope();
            var manager = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();

            // Several replicas share one registration: keep what the others added.
            if (await manager.FindByClientIdAsync(ClientId, cancellationToken) is { } existing)
            {
                foreach (var uri in await manager.GetRedirectUrisAsync(existing, cancellationToken))
                {
                    uris.Add(uri);
                }
            }

            await OAuthClients.EnsurePublicClientAsync(
                manager,
                new PublicClientOptions { ClientId = ClientId, DisplayName = "PrivateNexus dashboard", RedirectUris = [.. uris.Order(StringComparer.Ordinal)] },
                cancellationToken);
            return _registered = uris;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Listening addresses, with wildcard hosts made concrete: loopback names a browser on this machine would use.</summary>
    private IEnumerable<string> Addresses()
    {
        foreach (var address in server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [])
        {
            if (!Uri.TryCreate(address.Replace("://+", "://0.0.0.0", StringComparison.Ordinal).Replace("://*", "://0.0.0.0", StringComparison.Ordinal), UriKind.Absolute, out var uri))
            {
                continue;
            }

            if (uri.Host is "0.0.0.0" or "[::]" or "::" or "localhost" or "127.0.0.1" or "[::1]")
            {
                yield return $"{uri.Scheme}://127.0.0.1:{uri.Port}";
                yield return $"{uri.Scheme}://localhost:{uri.Port}";
            }
            else
            {
                yield return $"{uri.Scheme}://{uri.Authority}";
            }
        }
    }

    public void Dispose() => _gate.Dispose();

    private static string Callback(string origin) => origin.TrimEnd('/') + DashboardSignInEndpoints.CallbackPath;
}
