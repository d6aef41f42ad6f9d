// Benchmark peer: POST /graphql reads and discards the request body and answers the fixed
// JSON a GraphQL server would give for `{ hello }`. Port from --urls (or ASPNETCORE_URLS).
//   dotnet BareAspNet.dll --urls http://127.0.0.1:5102

var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
builder.Logging.AddConsole();
builder.Logging.SetMinimumLevel(LogLevel.Warning);

var app = builder.Build();

app.MapPost("/graphql", static async (HttpContext context) =>
{
    await context.Request.Body.CopyToAsync(Stream.Null, context.RequestAborted);
    var response = context.Response;
    response.StatusCode = StatusCodes.Status200OK;
    response.ContentType = "application/json";
    response.ContentLength = FixedResponse.Body.Length;
    await response.Body.WriteAsync(FixedResponse.Body, context.RequestAborted);
});

app.Run();

internal static class FixedResponse
{
    public static readonly ReadOnlyMemory<byte> Body = """{"data":{"hello":"world"}}"""u8.ToArray();
}
