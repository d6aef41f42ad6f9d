using GraphQL;
using GraphQL.Types.Relay.DataObjects;
using PrivateNexus.Server.Common;

namespace PrivateNexus.Server.GraphQL;

internal static class ResolveContextExtensions
{
    /// <summary>A request-scoped service: resolvers stay thin callers of the feature services.</summary>
    public static T Svc<T>(this IResolveFieldContext context)
        where T : notnull => context.RequestServices!.GetRequiredService<T>();

    /// <summary>Reads an ID argument. IDs are opaque: one that is not ours is simply not found.</summary>
    public static Guid GetId(this IResolveFieldContext context, string name = "id") =>
        Guid.TryParse(context.GetArgument<string>(name), out var id) ? id : throw DomainException.NotFound("Object");

    public static Guid? GetOptionalId(this IResolveFieldContext context, string name)
    {
        var raw = context.GetArgument<string?>(name);
        return raw is null ? null : Guid.TryParse(raw, out var id) ? id : throw DomainException.BadInput(name, $"'{name}' is not a valid ID.");
    }

    /// <summary>The page asked for; the total is counted only when the selection includes <c>totalCount</c>.</summary>
    public static PageRequest GetPage(this IResolveFieldContext context) =>
        new(context.GetArgument("first", 20), context.GetArgument<string?>("after"), context.SubFields?.Values.Any(f => f.FieldType.Name == "totalCount") != false);

    public static Connection<T> ToConnection<T>(this Page<T> page)
    {
        var edges = page.Items.Select((item, i) => new Edge<T> { Node = item, Cursor = page.CursorAt(i) }).ToList();
        return new Connection<T>
        {
            Edges = edges,
            TotalCount = page.TotalCount,
            PageInfo = new PageInfo
            {
                HasNextPage = page.HasNextPage,
                HasPreviousPage = page.Offset > 0,
                StartCursor = edges.FirstOrDefault()?.Cursor,
                EndCursor = edges.LastOrDefault()?.Cursor,
            },
        };
    }
}
