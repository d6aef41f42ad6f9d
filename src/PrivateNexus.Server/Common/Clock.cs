namespace PrivateNexus.Server.Common;

internal static class TimeProviderExtensions
{
    /// <summary>Now, truncated to microseconds so values round-trip through PostgreSQL unchanged.</summary>
    public static DateTimeOffset Now(this TimeProvider time)
    {
        var now = time.GetUtcNow();
        return now.AddTicks(-(now.Ticks % 10));
    }
}
