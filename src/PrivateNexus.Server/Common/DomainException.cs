namespace PrivateNexus.Server.Common;

/// <summary>
/// A refusal the caller can act on. Only these (and GraphQL validation errors) reach the client
/// with their message; anything else becomes INTERNAL without details.
/// </summary>
public class DomainException(string code, string message, string? field = null) : Exception(message)
{
    public string Code { get; } = code;

    /// <summary>The input field at fault, as a dotted path (e.g. <c>input.slug</c>), for BAD_USER_INPUT.</summary>
    public string? Field { get; } = field;

    public static DomainException NotFound(string what) => new(ErrorCode.NotFound, $"{what} was not found.");

    public static DomainException Forbidden(string message = "You are not allowed to do this.") => new(ErrorCode.Forbidden, message);

    public static DomainException Unauthenticated() => new(ErrorCode.Unauthenticated, "Authentication is required.");

    public static DomainException BadInput(string field, string message) => new(ErrorCode.BadUserInput, message, field);

    public static DomainException Conflict(string message, string? field = null) => new(ErrorCode.Conflict, message, field);

    public static DomainException Unavailable(string message) => new(ErrorCode.Unavailable, message);
}
