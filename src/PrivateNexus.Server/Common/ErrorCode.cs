namespace PrivateNexus.Server.Common;

/// <summary>Stable error codes carried in GraphQL <c>extensions.code</c>; clients switch on these.</summary>
public static class ErrorCode
{
    public const string Unauthenticated = "UNAUTHENTICATED";
    public const string Forbidden = "FORBIDDEN";
    public const string NotFound = "NOT_FOUND";
    public const string BadUserInput = "BAD_USER_INPUT";
    public const string Conflict = "CONFLICT";

    /// <summary>An explicit read of an engine that is offline or did not answer in time; try again later.</summary>
    public const string Unavailable = "UNAVAILABLE";
    /// <summary>Prometheus is not configured, did not answer in time or failed; only the metrics fields are null.</summary>
    public const string MetricsUnavailable = "METRICS_UNAVAILABLE";
    public const string Internal = "INTERNAL";

    /// <summary>A per-connection or per-user limit (operations on a socket) was reached.</summary>
    public const string LimitExceeded = "LIMIT_EXCEEDED";
}
