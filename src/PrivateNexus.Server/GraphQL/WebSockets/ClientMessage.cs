using System.Text.Json;
using GraphQL;
using GraphQL.Transport;

namespace PrivateNexus.Server.GraphQL.WebSockets;

/// <summary>A message the client sent, checked against the protocol's shapes (anything else is a 4400).</summary>
public sealed record ClientMessage(string Type, string? Id, JsonElement? Payload, GraphQLRequest? Request)
{
    public static ClientMessage Parse(ReadOnlySpan<byte> utf8, IGraphQLTextSerializer serializer)
    {
        JsonDocument document;
        try
        {
            var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = 64 });
            document = JsonDocument.ParseValue(ref reader);
        }
        catch (JsonException)
        {
            throw new ProtocolException("not JSON");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new ProtocolException("not a JSON object");
            }

            if (!root.TryGetProperty("type", out var typeElement) || typeElement.ValueKind != JsonValueKind.String)
            {
                throw new ProtocolException("'type' is missing or not a string");
            }

            var type = typeElement.GetString()!;
            JsonElement? payload = root.TryGetProperty("payload", out var p) && p.ValueKind != JsonValueKind.Null ? p.Clone() : null;
            switch (type)
            {
                case "connection_init" or "ping" or "pong":
                    if (payload is { ValueKind: not JsonValueKind.Object })
                    {
                        throw new ProtocolException($"the {type} payload must be an object");
                    }

                    return new(type, null, payload, null);
                case "subscribe":
                    var id = RequireId(root);
                    if (payload is not { ValueKind: JsonValueKind.Object } request)
                    {
                        throw new ProtocolException("subscribe needs a payload object");
                    }

                    return new(type, id, null, ReadRequest(request, serializer));
                case "complete":
                    return new(type, RequireId(root), null, null);
                default:
                    return new(type, null, null, null);
            }
        }
    }

    private static string RequireId(JsonElement root) =>
        root.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String && id.GetString() is { Length: > 0 } value
            ? value
            : throw new ProtocolException("'id' is missing, empty or not a string");

    private static GraphQLRequest ReadRequest(JsonElement payload, IGraphQLTextSerializer serializer)
    {
        if (!payload.TryGetProperty("query", out var query) || query.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(query.GetString()))
        {
            throw new ProtocolException("the subscribe payload needs a 'query' string");
        }

        return new GraphQLRequest
        {
            Query = query.GetString(),
            OperationName = Optional(payload, "operationName", JsonValueKind.String)?.GetString(),
            Variables = Optional(payload, "variables", JsonValueKind.Object) is { } v ? serializer.ReadNode<Inputs>(v) : null,
            Extensions = Optional(payload, "extensions", JsonValueKind.Object) is { } e ? serializer.ReadNode<Inputs>(e) : null,
        };
    }

    private static JsonElement? Optional(JsonElement payload, string name, JsonValueKind kind)
    {
        if (!payload.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == kind ? value : throw new ProtocolException($"'{name}' must be {(kind == JsonValueKind.Object ? "an object" : "a string")}");
    }
}

public sealed class ProtocolException(string message) : Exception(message);
