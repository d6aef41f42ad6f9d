using System.Buffers;
using System.Text.Json;
using GraphQL;

namespace PrivateNexus.Server.GraphQL.WebSockets;

/// <summary>The server's messages, serialised once into the bytes that go on the wire.</summary>
internal static class Messages
{
    private static readonly byte[] AckBytes = """{"type":"connection_ack"}"""u8.ToArray();
    private static readonly byte[] PingBytes = """{"type":"ping"}"""u8.ToArray();
    private static readonly byte[] PongBytes = """{"type":"pong"}"""u8.ToArray();

    // Shared instances are safe: the writer only reads them.
    public static byte[] ConnectionAck() => AckBytes;

    public static byte[] Ping() => PingBytes;

    public static byte[] Pong() => PongBytes;

    public static byte[] Complete(string id) => Envelope(id, "complete", null);

    /// <summary><c>next</c>: one execution result, serialised by GraphQL's own serializer (error codes and all).</summary>
    public static byte[] Next(string id, ExecutionResult result, IGraphQLTextSerializer serializer) =>
        Envelope(id, "next", System.Text.Encoding.UTF8.GetBytes(serializer.Serialize(result)));

    /// <summary><c>error</c>: the operation failed before it ran (validation); its payload is the list of errors.</summary>
    public static byte[] Error(string id, IGraphQLTextSerializer serializer, params IEnumerable<ExecutionError> errors)
    {
        var result = new ExecutionResult { Executed = false };
        foreach (var error in errors)
        {
            result.AddError(error);
        }

        using var document = JsonDocument.Parse(serializer.Serialize(result));
        var list = document.RootElement.TryGetProperty("errors", out var e) ? e.GetRawText() : "[]";
        return Envelope(id, "error", System.Text.Encoding.UTF8.GetBytes(list));
    }

    private static byte[] Envelope(string id, string type, byte[]? payload)
    {
        var buffer = new ArrayBufferWriter<byte>(64 + (payload?.Length ?? 0));
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("id", id);
            writer.WriteString("type", type);
            if (payload is not null)
            {
                writer.WritePropertyName("payload");
                writer.WriteRawValue(payload, skipInputValidation: true);
            }

            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
