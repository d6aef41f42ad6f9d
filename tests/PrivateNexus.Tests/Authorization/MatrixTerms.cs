namespace PrivateNexus.Tests.Authorization;

/// <summary>Who calls. The column order of <see cref="ExpectedOutcomes"/> follows this order.</summary>
public enum Caller
{
    /// <summary>A user with the platform role ADMIN (our own, not the bootstrap admin).</summary>
    Admin,

    /// <summary>A user with the platform role OPERATOR.</summary>
    Operator,

    /// <summary>OWNER of client A.</summary>
    Owner,

    /// <summary>MEMBER of client A.</summary>
    Member,

    /// <summary>VIEWER of client A.</summary>
    Viewer,

    /// <summary>No credential at all.</summary>
    Anonymous,

    /// <summary>A personal API token of the owner of A, with only the <c>api:read</c> scope.</summary>
    ReadOnlyToken,

    /// <summary>An automation client (client credentials) bound to client A with role OWNER.</summary>
    Automation,
}

/// <summary>Whose object the operation is aimed at, seen from the caller.</summary>
public enum Tenant
{
    /// <summary>Client A, where the client roles of the callers are.</summary>
    Own,

    /// <summary>Client B, where none of the callers has a role.</summary>
    Other,

    /// <summary>The operation is not about a client organisation (nodes, users, the caller's own account).</summary>
    None,
}

/// <summary>What the caller must get back.</summary>
public enum Outcome
{
    /// <summary>Allowed, and the object asked about is in the answer.</summary>
    Ok,

    /// <summary>Allowed, but the object asked about is left out (not listed, or a null field).</summary>
    Hidden,

    Forbidden,

    /// <summary>The refusal for another tenant's objects: the caller must not learn that they exist.</summary>
    NotFound,

    Unauthenticated,
}

internal static class MatrixTermNames
{
    public static string Label(this Tenant tenant) => tenant switch
    {
        Tenant.Own => "own client",
        Tenant.Other => "other client",
        _ => "no client",
    };

    /// <summary>The spelling a GraphQL answer uses, so expected and actual read alike in a failure.</summary>
    public static string Code(this Outcome outcome) => outcome switch
    {
        Outcome.Ok => "OK",
        Outcome.Hidden => "HIDDEN",
        Outcome.Forbidden => "FORBIDDEN",
        Outcome.NotFound => "NOT_FOUND",
        _ => "UNAUTHENTICATED",
    };
}
