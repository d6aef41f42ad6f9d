namespace PrivateNexus.Server.GraphQL.WebSockets;

/// <summary>The close codes of graphql-transport-ws, plus the WebSocket code used for a slow consumer.</summary>
public static class ProtocolClose
{
    public const int BadRequest = 4400;
    public const int Unauthorized = 4401;
    public const int Forbidden = 4403;
    public const int SubprotocolNotAcceptable = 4406;
    public const int ConnectionInitialisationTimeout = 4408;
    public const int SubscriberAlreadyExists = 4409;
    public const int TooManyInitialisationRequests = 4429;

    /// <summary>graphql-ws's code for a server-side failure handling a message.</summary>
    public const int InternalServerError = 4500;

    /// <summary>RFC 6455 "try again later": the client did not read fast enough; reconnecting is fine.</summary>
    public const int TryAgainLater = 1013;
}
