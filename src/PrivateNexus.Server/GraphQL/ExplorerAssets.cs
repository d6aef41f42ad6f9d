using GraphQL;
using GraphQL.Types;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;
using PrivateNexus.Server.Hosting;

namespace PrivateNexus.Server.GraphQL;

/// <summary>The explorer's files (vendored GraphiQL, see scripts/update-graphiql.sh) and the SDL.</summary>
public static class ExplorerAssets
{
    /// <summary>GraphiQL runs without eval or inline scripts; its CSS embeds fonts and icons as data: URLs.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; font-src 'self' data:; img-src 'self' data:; "
        + "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    public static IEndpointRouteBuilder MapPnxGraphQL(this WebApplication app)
    {
        var endpoint = app.Services.GetRequiredService<GraphQLHttpEndpoint>();
        app.Map(GraphQLHttpEndpoint.Route, endpoint.HandleAsync).DisableAntiforgery();
        app.MapGet("/graphql/schema.graphql", ServeSchema);

        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = new PhysicalFileProvider(Path.Combine(app.Environment.WebRootPath, "graphiql")),
            RequestPath = "/graphql-explorer",
            ContentTypeProvider = new FileExtensionContentTypeProvider(),
            OnPrepareResponse = ctx => ctx.Context.Response.Headers.ContentSecurityPolicy = ContentSecurityPolicy,
        });
        return app;
    }

    private static IResult ServeSchema(HttpContext context, ISchema schema, IOptions<PnxOptions> options)
    {
        if (!options.Value.AnonymousIntrospection && context.User.Identity?.IsAuthenticated != true)
        {
            // RFC 9110 §15.5.2: a 401 names the scheme that would work.
            context.Response.Headers.WWWAuthenticate = "Bearer";
            return Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Authentication is required to read the schema.");
        }

        schema.Initialize();
        return Results.Text(schema.Print(), "text/plain; charset=utf-8");
    }
}
