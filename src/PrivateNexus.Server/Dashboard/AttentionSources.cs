using PrivateNexus.Server.Common;
using PrivateNexus.Server.Events;

namespace PrivateNexus.Server.Dashboard;

public enum AttentionLevel
{
    Info,
    Warning,
    Critical,
}

/// <summary>One thing a person should look at, as a feature reports it for the home page.</summary>
public sealed record AttentionItem(string Title, string? Detail, AttentionLevel Level, string? Href = null);

/// <summary>
/// How a feature adds its own section to the home page without the page knowing it (firing alerts:
/// the alerts feature registers one with <c>AddSingleton&lt;IAttentionSource, …&gt;</c>).
/// <see cref="ReadAsync"/> gets a scope acting as the signed-in user, so the feature's service and the
/// rulebook decide what is shown. With none registered the home page simply has no such section.
/// </summary>
public interface IAttentionSource
{
    string Heading { get; }

    Task<IReadOnlyList<AttentionItem>> ReadAsync(IServiceProvider userScope, CancellationToken cancellationToken);

    /// <summary>
    /// Whether an event on the bus may change this section, so an open home page reloads (cheap: the
    /// event's type and ids only; the reload reads through the rulebook again).
    /// </summary>
    bool Follows(PnxEvent change) => false;
}

/// <summary>A source's section: its items, or why it has none to show (never an exception on the page).</summary>
public sealed record AttentionSection(string Heading, IReadOnlyList<AttentionItem> Items, string? Unavailable);

public static class AttentionSources
{
    public static async Task<IReadOnlyList<AttentionSection>> ReadAsync(
        IEnumerable<IAttentionSource> sources, IServiceProvider userScope, ILogger logger, CancellationToken cancellationToken)
    {
        var sections = new List<AttentionSection>();
        foreach (var source in sources)
        {
            try
            {
                sections.Add(new AttentionSection(source.Heading, await source.ReadAsync(userScope, cancellationToken), null));
            }
            catch (DomainException ex)
            {
                sections.Add(new AttentionSection(source.Heading, [], ex.Message));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "Attention source {Heading} failed", source.Heading);
                sections.Add(new AttentionSection(source.Heading, [], "Not available right now."));
            }
        }

        return sections;
    }
}
