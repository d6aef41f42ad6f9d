using System.Text.Json;
using GraphQL;
using GraphQL.Transport;
using GraphQL.Types;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using PrivateNexus.Server.Common;
using PrivateNexus.Server.Hosting;

namespace PrivateNexus.Server.GraphQL;

/// <summary>
/// GraphQL over HTTP, per the GraphQL-over-HTTP specification: POST (JSON) and GET (queries only),
/// <c>application/graphql-response+json</c> by default and <c>application/json</c> on request,
/// 400/405/406/413/415 where the spec asks for them. No batching.
/// </summary>
public sealed class GraphQLHttpEndpoint(
    IDocumentExecuter<ISchema> executer,
    IGraphQLTextSerializer serializer,
    IOptions<PnxOptions> options,
    IWebHostEnvironment environment,
    WebSockets.GraphQLWebSocketEndpoint webSockets)
{
    /// <summary>Where GraphQL is served, over HTTP and WebSocket.</summary>
    public const string Route = "/graphql";

    public const string GraphQLResponseJson = "application/graphql-response+json";
    private const string Json = "application/json";

    /// <summary>What the Allow header of every 405 lists: the methods this resource supports.</summary>
    private const string AllowedMethods = "GET, POST";

    public async Task HandleAsync(HttpContext context)
    {
        if (context.WebSockets.IsWebSocketRequest)
        {
            await webSockets.HandleAsync(context);
            return;
        }

        var request = context.Request;
        if (HttpMethods.IsGet(request.Method) && WantsHtml(request))
        {
            await ServeExplorerAsync(context);
            return;
        }

        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsPost(request.Method))
        {
            context.Response.Headers.Allow = AllowedMethods;
            await WriteRequestErrorAsync(context, StatusCodes.Status405MethodNotAllowed, Json, "Use GET for queries or POST.");
            return;
        }

        var mediaType = Negotiate(request);
        if (mediaType is null)
        {
            await WriteRequestErrorAsync(context, StatusCodes.Status406NotAcceptable, Json, $"Accept {GraphQLResponseJson} or {Json}.");
            return;
        }

        // An invalid credential is refused outright, so clients know to refresh instead of seeing "unauthenticated" data errors.
        if (!string.IsNullOrEmpty(request.Headers.Authorization) && context.User.Identity?.IsAuthenticated != true)
        {
            var auth = await context.AuthenticateAsync();
            if (!auth.Succeeded)
            {
                // RFC 6750 §3.1: error="invalid_token" only when a bearer token was presented at all.
                var bearer = request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase);
                context.Response.Headers.WWWAuthenticate = bearer ? "Bearer error=\"invalid_token\"" : "Bearer";
                var message = bearer ? "The access token is invalid, expired or revoked." : "Send the access token as 'Authorization: Bearer <token>'.";
                await WriteRequestErrorAsync(context, StatusCodes.Status401Unauthorized, mediaType, message, ErrorCode.Unauthenticated);
                return;
            }

            context.User = auth.Principal;
        }

        GraphQLRequest? graphQLRequest;
        try
        {
            graphQLRequest = HttpMethods.IsGet(request.Method) ? ReadQueryString(request) : await ReadBodyAsync(context, mediaType);
        }
        catch (RequestException ex)
        {
            await WriteRequestErrorAsync(context, ex.StatusCode, mediaType, ex.Message);
            return;
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException && context.RequestAborted.IsCancellationRequested)
        {
            // The caller hung up while still sending the body: 499 and nothing logged, as for a hang-up mid-execution.
            context.Response.StatusCode = StatusCodes.Status499ClientClosedRequest;
            return;
        }

        if (graphQLRequest is null)
        {
            return;
        }

        ExecutionResult result;
        try
        {
            result = await executer.ExecuteAsync(new ExecutionOptions
            {
                Query = graphQLRequest.Query,
                OperationName = graphQLRequest.OperationName,
                Variables = graphQLRequest.Variables,
                Extensions = graphQLRequest.Extensions,
                RequestServices = context.RequestServices,
                User = context.User,
                UserContext = new Dictionary<string, object?> { [HttpGetRule.MethodKey] = request.Method },
                CancellationToken = context.RequestAborted,
            });
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The caller hung up mid-execution (GraphQL.NET rethrows the cancellation): not a server
            // error, and nobody is left to answer. 499 is what proxies log for it.
            context.Response.StatusCode = StatusCodes.Status499ClientClosedRequest;
            return;
        }

        context.Response.StatusCode = StatusFor(result, mediaType);
        if (context.Response.StatusCode == StatusCodes.Status405MethodNotAllowed)
        {
            // RFC 9110 §15.5.6: a 405 must list the methods the resource does support.
            context.Response.Headers.Allow = AllowedMethods;
        }

        context.Response.ContentType = mediaType + "; charset=utf-8";
        try
        {
            await serializer.WriteAsync(context.Response.Body, result, context.RequestAborted);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException && context.RequestAborted.IsCancellationRequested)
        {
            // The caller went away while we answered; there is nobody left to tell.
        }
    }

    /// <summary>
    /// With graphql-response+json, a request that never executed (parse or validation error) is a 400;
    /// with application/json everything well-formed is a 200, as the spec asks for legacy clients.
    /// </summary>
    private static int StatusFor(ExecutionResult result, string mediaType)
    {
        if (result.Errors?.Any(e => e.Code == HttpGetRule.Code) == true)
        {
            return StatusCodes.Status405MethodNotAllowed;
        }

        return !result.Executed && mediaType == GraphQLResponseJson ? StatusCodes.Status400BadRequest : StatusCodes.Status200OK;
    }

    private static string? Negotiate(HttpRequest request)
    {
        var accept = request.GetTypedHeaders().Accept;
        if (accept.Count == 0)
        {
            return Json;
        }

        foreach (var value in accept.OrderByDescending(a => a.Quality ?? 1))
        {
            if (value.Quality == 0)
            {
                continue;
            }

            var type = value.MediaType.Value;
            if (string.Equals(type, GraphQLResponseJson, StringComparison.OrdinalIgnoreCase) || type is "*/*" or "application/*")
            {
                return GraphQLResponseJson;
            }

            if (string.Equals(type, Json, StringComparison.OrdinalIgnoreCase))
            {
                return Json;
            }
        }

        return null;
    }

    private GraphQLRequest ReadQueryString(HttpRequest request)
    {
        var query = request.Query;
        if (query["query"].Count != 1 || string.IsNullOrEmpty(query["query"][0]))
        {
            throw new RequestException(StatusCodes.Status400BadRequest, "The 'query' parameter is required.");
        }

        return new GraphQLRequest
        {
            Query = query["query"][0],
            OperationName = query["operationName"].FirstOrDefault() is { Length: > 0 } name ? name : null,
            Variables = ParseMap(query["variables"].FirstOrDefault(), "variables") is { } v ? serializer.ReadNode<Inputs>(v) : null,
            Extensions = ParseMap(query["extensions"].FirstOrDefault(), "extensions") is { } e ? serializer.ReadNode<Inputs>(e) : null,
        };
    }

    private async Task<GraphQLRequest?> ReadBodyAsync(HttpContext context, string mediaType)
    {
        var request = context.Request;
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var contentType)
            || !string.Equals(contentType.MediaType.Value, Json, StringComparison.OrdinalIgnoreCase))
        {
            throw new RequestException(StatusCodes.Status415UnsupportedMediaType, $"Send the request as {Json}.");
        }

        // Parameter values may be quoted (RFC 9110 §5.6.6): charset="UTF-8" is still UTF-8.
        if (contentType.Charset.HasValue
            && !string.Equals(HeaderUtilities.RemoveQuotes(contentType.Charset).Value, "utf-8", StringComparison.OrdinalIgnoreCase))
        {
            throw new RequestException(StatusCodes.Status415UnsupportedMediaType, "Only UTF-8 request bodies are accepted.");
        }

        var limit = options.Value.GraphQL.MaxRequestBytes;
        if (request.ContentLength > limit)
        {
            throw new RequestException(StatusCodes.Status413PayloadTooLarge, $"The request body is larger than {limit} bytes.");
        }

        JsonDocument document;
        try
        {
            using var limited = new LimitedStream(request.Body, limit);
            document = await JsonDocument.ParseAsync(limited, default, context.RequestAborted);
        }
        catch (JsonException)
        {
            throw new RequestException(StatusCodes.Status400BadRequest, "The request body is not valid JSON.");
        }
        catch (LimitedStream.TooLargeException)
        {
            throw new RequestException(StatusCodes.Status413PayloadTooLarge, $"The request body is larger than {limit} bytes.");
        }
        catch (BadHttpRequestException ex)
        {
            // The client sent less than it announced, or hung up mid-body: its fault, not a server error.
            throw new RequestException(ex.StatusCode, "The request body ended before its announced length.");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Array)
            {
                throw new RequestException(StatusCodes.Status400BadRequest, "Batched requests are not supported; send one operation per request.");
            }

            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new RequestException(StatusCodes.Status400BadRequest, "The request body must be a JSON object.");
            }

            return new GraphQLRequest
            {
                Query = Member(root, "query", JsonValueKind.String, required: true)!.Value.GetString(),
                OperationName = Member(root, "operationName", JsonValueKind.String, required: false)?.GetString(),
                Variables = Member(root, "variables", JsonValueKind.Object, required: false) is { } v ? serializer.ReadNode<Inputs>(v) : null,
                Extensions = Member(root, "extensions", JsonValueKind.Object, required: false) is { } e ? serializer.ReadNode<Inputs>(e) : null,
            };
        }
    }

    private static JsonElement? Member(JsonElement root, string name, JsonValueKind kind, bool required)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return required ? throw new RequestException(StatusCodes.Status400BadRequest, $"The '{name}' parameter is required.") : null;
        }

        return value.ValueKind == kind
            ? value
            : throw new RequestException(StatusCodes.Status400BadRequest, $"The '{name}' parameter must be a {(kind == JsonValueKind.Object ? "map" : "string")}.");
    }

    private static JsonElement? ParseMap(string? json, string name)
    {
        if (string.IsNullOrEmpty(json))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.ValueKind switch
            {
                JsonValueKind.Object => document.RootElement.Clone(),
                JsonValueKind.Null => null,
                _ => throw new RequestException(StatusCodes.Status400BadRequest, $"The '{name}' parameter must be a JSON map."),
            };
        }
        catch (JsonException)
        {
            throw new RequestException(StatusCodes.Status400BadRequest, $"The '{name}' parameter is not valid JSON.");
        }
    }

    private async Task WriteRequestErrorAsync(HttpContext context, int status, string mediaType, string message, string code = ErrorCode.BadUserInput)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = mediaType + "; charset=utf-8";
        var result = new ExecutionResult { Executed = false };
        result.AddError(new TransportError(message, code));
        try
        {
            await serializer.WriteAsync(context.Response.Body, result, context.RequestAborted);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException && context.RequestAborted.IsCancellationRequested)
        {
            // The caller went away; there is nobody left to tell.
        }
    }

    private static bool WantsHtml(HttpRequest request) =>
        !request.Query.ContainsKey("query")
        && request.GetTypedHeaders().Accept.Any(a => string.Equals(a.MediaType.Value, "text/html", StringComparison.OrdinalIgnoreCase));

    private async Task ServeExplorerAsync(HttpContext context)
    {
        var file = environment.WebRootFileProvider.GetFileInfo("graphiql/index.html");
        context.Response.ContentType = "text/html; charset=utf-8";
        context.Response.Headers.CacheControl = "no-cache";
        context.Response.Headers.ContentSecurityPolicy = ExplorerAssets.ContentSecurityPolicy;
        await context.Response.SendFileAsync(file, context.RequestAborted);
    }

    private sealed class RequestException(int statusCode, string message) : Exception(message)
    {
        public int StatusCode { get; } = statusCode;
    }
}

/// <summary>A request refused by the transport itself (before GraphQL saw it); its code reaches the client as is.</summary>
public sealed class TransportError : ExecutionError
{
    public TransportError(string message, string code)
        : base(message)
    {
        Code = code;
    }
}
