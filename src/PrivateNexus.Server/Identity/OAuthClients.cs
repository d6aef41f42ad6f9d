using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace PrivateNexus.Server.Identity;

/// <summary>A public OAuth client (dashboard, mobile app, CLI) registered from configuration at start.</summary>
public sealed class PublicClientOptions
{
    public string ClientId { get; set; } = "";

    public string DisplayName { get; set; } = "";

    public List<string> RedirectUris { get; set; } = [];

    public List<string> PostLogoutRedirectUris { get; set; } = [];
}

/// <summary>Registers or updates public OAuth clients: code flow with PKCE, refresh tokens, our scopes.</summary>
public static class OAuthClients
{
    public static async Task EnsurePublicClientAsync(IOpenIddictApplicationManager manager, PublicClientOptions options, CancellationToken cancellationToken)
    {
        var descriptor = new OpenIddictApplicationDescriptor
        {
            ClientId = options.ClientId,
            ClientType = ClientTypes.Public,
            ApplicationType = ApplicationTypes.Native,
            ConsentType = ConsentTypes.Implicit,
            DisplayName = string.IsNullOrEmpty(options.DisplayName) ? options.ClientId : options.DisplayName,
            Permissions =
            {
                Permissions.Endpoints.Authorization,
                Permissions.Endpoints.Token,
                Permissions.Endpoints.Revocation,
                Permissions.Endpoints.EndSession,
                Permissions.GrantTypes.AuthorizationCode,
                Permissions.GrantTypes.RefreshToken,
                Permissions.ResponseTypes.Code,
                Permissions.Scopes.Email,
                Permissions.Scopes.Profile,
                Permissions.Prefixes.Scope + Authorization.ApiScopes.Read,
                Permissions.Prefixes.Scope + Authorization.ApiScopes.Write,
            },
            Requirements = { Requirements.Features.ProofKeyForCodeExchange },
        };
        foreach (var uri in options.RedirectUris)
        {
            descriptor.RedirectUris.Add(new Uri(uri));
        }

        foreach (var uri in options.PostLogoutRedirectUris)
        {
            descriptor.PostLogoutRedirectUris.Add(new Uri(uri));
        }

        var existing = await manager.FindByClientIdAsync(options.ClientId, cancellationToken);
        if (existing is null)
        {
            await manager.CreateAsync(descriptor, cancellationToken);
        }
        else
        {
            await manager.UpdateAsync(existing, descriptor, cancellationToken);
        }
    }
}
