using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization;
using GraphQL;
using GraphQL.Execution;

namespace PrivateNexus.Server.GraphQL;

/// <summary>
/// Writes a GraphQL result to the same JSON as GraphQL.NET's own <c>ExecutionResultJsonConverter</c>
/// (errors, data, extensions), without its two per-field costs that a page of a hundred services
/// with their instances pays about a thousand times: property names are written pre-encoded
/// (<see cref="JsonEncodedText"/>, kept per name) instead of being escaped and transcoded for every
/// object, and the leaves that nearly every field is — strings, integers, booleans — are written
/// directly instead of through <see cref="JsonSerializer"/>'s dispatch on <see cref="object"/>.
/// Anything else goes through the serializer exactly as before. Registered on the serializer's
/// options, where GraphQL.NET then leaves out its own converter.
/// </summary>
public sealed class ExecutionResultWriter : JsonConverter<ExecutionResult>
{
    // Only the schema's own field names are kept (a bounded set); aliases are chosen by each document,
    // so they are encoded as they are written and a client making them up cannot grow this.
    private readonly ConcurrentDictionary<string, JsonEncodedText> _names = new(StringComparer.Ordinal);

    public override bool CanConvert(Type typeToConvert) => typeof(ExecutionResult).IsAssignableFrom(typeToConvert);

    public override ExecutionResult Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new NotSupportedException("GraphQL results are only written.");

    public override void Write(Utf8JsonWriter writer, ExecutionResult value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        if (value.Errors is { Count: > 0 } errors)
        {
            writer.WritePropertyName("errors");
            JsonSerializer.Serialize(writer, errors, options);
        }

        if (value.Executed)
        {
            writer.WritePropertyName("data");
            if (value.Data is ExecutionNode node)
            {
                WriteNode(writer, node, options);
            }
            else
            {
                JsonSerializer.Serialize(writer, value.Data, options);
            }
        }

        if (value.Extensions is { Count: > 0 } extensions)
        {
            writer.WritePropertyName("extensions");
            JsonSerializer.Serialize(writer, extensions, options);
        }

        writer.WriteEndObject();
    }

    // The order of the cases is GraphQL.NET's (a root node is an object node, and so on).
    private void WriteNode(Utf8JsonWriter writer, ExecutionNode? node, JsonSerializerOptions options)
    {
        switch (node)
        {
            case ValueExecutionNode leaf:
                WriteLeaf(writer, leaf.ToValue(), options);
                break;
            case ObjectExecutionNode { SubFields: null }:
                writer.WriteNullValue();
                break;
            case ObjectExecutionNode obj:
                writer.WriteStartObject();
                foreach (var field in obj.SubFields)
                {
                    WriteName(writer, field.Name!, isAlias: field.Field?.Alias is not null, options);
                    WriteNode(writer, field, options);
                }

                writer.WriteEndObject();
                break;
            case ArrayExecutionNode { Items: null } list:
                JsonSerializer.Serialize(writer, list.SerializedResult, options);
                break;
            case ArrayExecutionNode list:
                writer.WriteStartArray();
                foreach (var item in list.Items)
                {
                    WriteNode(writer, item, options);
                }

                writer.WriteEndArray();
                break;
            case null or NullExecutionNode:
                writer.WriteNullValue();
                break;
            default:
                JsonSerializer.Serialize(writer, node.ToValue(), options);
                break;
        }
    }

    /// <summary>What the serializer's own converters for these types write (the options leave numbers strict).</summary>
    private static void WriteLeaf(Utf8JsonWriter writer, object? value, JsonSerializerOptions options)
    {
        switch (value)
        {
            case string text:
                writer.WriteStringValue(text);
                break;
            case int number when options.NumberHandling == JsonNumberHandling.Strict:
                writer.WriteNumberValue(number);
                break;
            case long number when options.NumberHandling == JsonNumberHandling.Strict:
                writer.WriteNumberValue(number);
                break;
            case bool flag:
                writer.WriteBooleanValue(flag);
                break;
            case null:
                writer.WriteNullValue();
                break;
            default:
                JsonSerializer.Serialize(writer, value, options);
                break;
        }
    }

    private void WriteName(Utf8JsonWriter writer, string name, bool isAlias, JsonSerializerOptions options)
    {
        if (options.PropertyNamingPolicy is { } policy)
        {
            writer.WritePropertyName(policy.ConvertName(name));
        }
        else if (isAlias)
        {
            writer.WritePropertyName(name);
        }
        else
        {
            // Encoded as the writer would (its encoder comes from the same options).
            writer.WritePropertyName(_names.GetOrAdd(name, static (n, encoder) => JsonEncodedText.Encode(n, encoder), options.Encoder));
        }
    }
}
