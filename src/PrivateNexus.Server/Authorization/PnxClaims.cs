namespace PrivateNexus.Server.Authorization;

/// <summary>Claim types this server puts into its tokens and principals.</summary>
public static class PnxClaims
{
    public const string Subject = "sub";
    public const string Name = "name";
    public const string Email = "email";
    public const string Scope = "scope";

    /// <summary>Marks a principal authenticated with a personal API token; value is the token's id.</summary>
    public const string ApiTokenId = "pnx_token";

    /// <summary>Marks a principal that is an automation client (client credentials); value is its client_id.</summary>
    public const string Application = "pnx_app";
}
