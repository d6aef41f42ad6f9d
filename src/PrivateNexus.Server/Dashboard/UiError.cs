using PrivateNexus.Server.Common;

namespace PrivateNexus.Server.Dashboard;

/// <summary>
/// What a page shows when a call failed. A <see cref="DomainException"/> is the rulebook's or a
/// validator's refusal and its message is meant for the caller (as GraphQL passes it on); anything else
/// is our fault and shows only a reference the operator can find in the log.
/// </summary>
public sealed record UiError(string Message, string? Field = null, string? Code = null)
{
    public static UiError From(Exception exception, ILogger logger)
    {
        if (exception is DomainException domain)
        {
            return new UiError(Friendly(domain), domain.Field, domain.Code);
        }

        var reference = Guid.NewGuid().ToString("N")[..8];
        logger.LogError(exception, "Dashboard call failed (reference {Reference})", reference);
        return new UiError($"Something went wrong on the server (reference {reference}). Try again; if it persists, tell the operator the reference.", null, ErrorCode.Internal);
    }

    private static string Friendly(DomainException domain) => domain.Code switch
    {
        ErrorCode.Unauthenticated => "Your session has ended. Reload the page to sign in again.",
        _ => domain.Message,
    };
}
