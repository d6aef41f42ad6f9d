using System.Text.Json;

namespace PrivateNexus.Server.Features.Services;

/// <summary>The one JSON shape of a stored <see cref="ServiceSpec"/>.</summary>
public static class ServiceSpecJson
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    public static string Write(ServiceSpec spec) => JsonSerializer.Serialize(spec, Options);

    public static ServiceSpec Read(string json) =>
        JsonSerializer.Deserialize<ServiceSpec>(json, Options) ?? throw new InvalidOperationException("A stored service spec is empty.");
}
