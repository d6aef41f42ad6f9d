using System.Buffers.Text;
using System.Text;
using Microsoft.EntityFrameworkCore;

namespace PrivateNexus.Server.Common;

/// <summary>
/// A request for one page of a list: at most <see cref="First"/> items after the opaque cursor.
/// <see cref="CountTotal"/> false when the caller did not ask for the total: a page then costs one
/// query instead of two (the busiest lists, read many times a second by live pages, never show it).
/// </summary>
public sealed record PageRequest(int First = 20, string? After = null, bool CountTotal = true)
{
    public const int MaxPageSize = 100;
}

/// <summary>One page of a list plus what a Relay connection needs to continue; the total only when it was asked for.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, int Offset, bool HasNextPage, int? TotalCount)
{
    public string CursorAt(int index) => Paging.EncodeCursor(Offset + index);
}

public static class Paging
{
    /// <summary>
    /// Pages an ordered query. Cursors are opaque positions; the order must end in a unique key so
    /// it is total. (Positions, not keyset, because sort fields are caller-chosen; see docs/api.md.)
    /// </summary>
    public static async Task<Page<T>> ToPageAsync<T>(this IQueryable<T> ordered, PageRequest request, CancellationToken cancellationToken)
    {
        if (request.First is < 0 or > PageRequest.MaxPageSize)
        {
            throw DomainException.BadInput("first", $"'first' must be between 0 and {PageRequest.MaxPageSize}.");
        }

        var offset = request.After is null ? 0 : DecodeCursor(request.After) + 1;
        if (!request.CountTotal)
        {
            // One row past the page tells whether there is a next one.
            var rows = await ordered.Skip(offset).Take(request.First + 1).ToListAsync(cancellationToken);
            var more = rows.Count > request.First;
            return new Page<T>(more ? rows[..request.First] : rows, offset, more, null);
        }

        var total = await ordered.CountAsync(cancellationToken);
        var items = request.First == 0 ? [] : await ordered.Skip(offset).Take(request.First).ToListAsync(cancellationToken);
        return new Page<T>(items, offset, offset + items.Count < total, total);
    }

    /// <summary>Pages a list already in memory (for nested lists loaded in one batch).</summary>
    public static Page<T> ToPage<T>(this IReadOnlyList<T> all, PageRequest request)
    {
        if (request.First is < 0 or > PageRequest.MaxPageSize)
        {
            throw DomainException.BadInput("first", $"'first' must be between 0 and {PageRequest.MaxPageSize}.");
        }

        var offset = request.After is null ? 0 : DecodeCursor(request.After) + 1;
        var items = all.Skip(offset).Take(request.First).ToList();
        return new Page<T>(items, offset, offset + items.Count < all.Count, all.Count);
    }

    internal static string EncodeCursor(int position) => Base64Url.EncodeToString(Encoding.ASCII.GetBytes($"o:{position}"));

    internal static int DecodeCursor(string cursor)
    {
        try
        {
            var text = Encoding.ASCII.GetString(Base64Url.DecodeFromChars(cursor));
            if (text.StartsWith("o:", StringComparison.Ordinal) && int.TryParse(text.AsSpan(2), out var position) && position >= 0)
            {
                return position;
            }
        }
        catch (FormatException)
        {
        }

        throw DomainException.BadInput("after", "The cursor is not valid.");
    }
}
