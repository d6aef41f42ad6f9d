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
    public static byte[] Next(string id, ExecutionResult result, IGraphQLTextSerializer serializer)
    {
        // The hot path of a fan-out: one buffer, the payload encoded straight into it.
        var prefix = Envelope(id, "next", null);
        var payload = serializer.Serialize(result);
        var length = System.Text.Encoding.UTF8.GetByteCount(payload);
        var message = new byte[prefix.Length + PayloadKey.Length + length];
        prefix.AsSpan(0, prefix.Length - 1).CopyTo(message);
        var at = prefix.Length - 1;
        PayloadKey.CopyTo(message.AsSpan(at));
        at += PayloadKey.Length;
        System.Text.Encoding.UTF8.GetBytes(payload, message.AsSpan(at));
        message[^1] = (byte)'}';
        return message;
    }

    private static readonly byte[] PayloadKey = ""","payload":"""u8.ToArray();

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
