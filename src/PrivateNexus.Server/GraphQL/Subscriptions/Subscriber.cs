using System.Security.Claims;

namespace PrivateNexus.Server.GraphQL.Subscriptions;

/// <summary>
/// Who a WebSocket connection acts for. Replaced when the client re-authenticates, so long-lived
/// subscriptions check every delivery against the connection's current credential.
/// </summary>
public sealed class Subscriber(ClaimsPrincipal principal)
{
    /// <summary>The key under which the transport puts it in GraphQL's user context.</summary>
    public const string Key = "pnx.subscriber";

    private volatile ClaimsPrincipal _principal = principal;

    public ClaimsPrincipal Principal
    {
        get => _principal;
        set => _principal = value;
    }
}

/// <summary>One event on its way to one subscriber, with the DI scope its fields are resolved in (disposed after).</summary>
public sealed record ScopedEvent(AsyncServiceScope Scope, object? Payload);
