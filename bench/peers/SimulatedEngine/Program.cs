// Benchmark peer: a simulated Docker engine for the state-mirror benchmark (bench/mirror.sh).
// Serves, on a unix socket, just enough of the Docker Engine API for PrivateNexus's node agent
// to consider the node online and converged: version, info, container list (honouring `all` and
// the label filters the agent sends), container inspect, one-shot container stats (what the
// agent's stats sampler reads), an event stream that stays open and silent, networks
// (list/inspect: the per-client networks exist) and image inspect (exists).
// Its containers come from a seed file the benchmark writes from the services it created.
// Anything that would change the engine (create, start, stop, kill, remove, pull …) is answered
// with an error and logged as UNEXPECTED: if the reconciler tries to change something, the seed
// is wrong. GET /_sim/stats reports the calls served so far, per route.
//
//   dotnet SimulatedEngine.dll --socket /tmp/x/sim.sock --seed /tmp/x/seed.json [--verbose true]
//
// Seed file (camelCase JSON):
//   { "nodeId": "…", "image": "registry.example/app:1",
//     "containers": [ { "serviceId": "…", "clientId": "…", "clientSlug": "bench-1",
//                       "serviceName": "svc-1", "revision": 1, "restartGeneration": 0, "replica": 0 } ] }

using System.Text.Json;
using PrivateNexus.Bench.SimulatedEngine;

var builder = WebApplication.CreateSlimBuilder(args);
var socketPath = builder.Configuration["socket"];
var seedPath = builder.Configuration["seed"];
if (string.IsNullOrEmpty(socketPath) || string.IsNullOrEmpty(seedPath))
{
    await Console.Error.WriteLineAsync("usage: SimulatedEngine --socket PATH --seed FILE [--verbose true]");
    return 2;
}

var verbose = string.Equals(builder.Configuration["verbose"], "true", StringComparison.OrdinalIgnoreCase);
builder.Logging.ClearProviders();
builder.Logging.AddSimpleConsole(o =>
{
    o.SingleLine = true;
    o.TimestampFormat = "HH:mm:ss.fff ";
    o.UseUtcTimestamp = true;
});
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Logging.AddFilter("SimulatedEngine", verbose ? LogLevel.Debug : LogLevel.Information);

Seed seed;
await using (var stream = File.OpenRead(seedPath))
{
    seed = await JsonSerializer.DeserializeAsync<Seed>(stream, new JsonSerializerOptions(JsonSerializerDefaults.Web))
        ?? throw new InvalidDataException($"{seedPath} is empty");
}

if (File.Exists(socketPath))
{
    File.Delete(socketPath);
}

builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenUnixSocket(socketPath));
var engine = new Engine(seed, TimeProvider.System);
var app = builder.Build();
var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("SimulatedEngine");
var lifetime = app.Services.GetRequiredService<IHostApplicationLifetime>();
lifetime.ApplicationStopped.Register(() => File.Delete(socketPath));
lifetime.ApplicationStarted.Register(() => logger.LogInformation(
    "Simulated engine listening on {Socket}: node {Node}, {Containers} containers, {Networks} networks",
    socketPath, seed.NodeId, engine.ContainerCount, engine.NetworkCount));

app.Run(context => engine.HandleAsync(context, logger, verbose, lifetime.ApplicationStopping));
await app.RunAsync();
return 0;
