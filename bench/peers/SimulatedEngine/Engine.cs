using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace PrivateNexus.Bench.SimulatedEngine;

/// <summary>The seed file: the node the containers belong to and one entry per container.</summary>
public sealed record Seed(string NodeId, string Image, IReadOnlyList<SeedContainer> Containers);

/// <summary>One container the server expects: labels exactly as PrivateNexus's ContainerSpecBuilder writes them.</summary>
public sealed record SeedContainer(
    string ServiceId, string ClientId, string ClientSlug, string ServiceName, int Revision, int RestartGeneration, int Replica);

/// <summary>
/// The simulated engine's fixed state (every container running, no health check, never restarted)
/// and the handful of Docker Engine API routes the node agent reads. Responses are serialised once,
/// at start, so the engine is cheap next to the server it feeds.
/// </summary>
public sealed partial class Engine
{
    // Ownership labels, as in src/PrivateNexus.Server/Engine/OwnershipLabels.cs.
    private const string Managed = "io.privatenexus.managed";
    private const string NodeLabel = "io.privatenexus.node";
    private const string ClientLabel = "io.privatenexus.client";
    private const string ServiceLabel = "io.privatenexus.service";
    private const string RevisionLabel = "io.privatenexus.revision";
    private const string ReplicaLabel = "io.privatenexus.replica";
    private const string RestartLabel = "io.privatenexus.restart";

    private static readonly byte[] Empty = "{}"u8.ToArray();

    private readonly List<SimContainer> _containers = [];
    private readonly Dictionary<string, SimContainer> _byId = new(StringComparer.Ordinal);
    private readonly List<SimNetwork> _networks = [];
    private readonly byte[] _version;
    private readonly byte[] _info;
    private readonly byte[] _image;
    private readonly ConcurrentDictionary<string, long> _calls = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly DateTimeOffset _started;
    private long _unexpected;

    public Engine(Seed seed, TimeProvider time)
    {
        _time = time;
        var now = time.GetUtcNow();
        var started = now.AddMinutes(-5);
        _started = started;
        var imageId = "sha256:" + Hash(seed.Image);
        foreach (var client in seed.Containers.GroupBy(c => (c.ClientId, c.ClientSlug)))
        {
            var name = $"pnx-{client.Key.ClientSlug}";
            var id = Hash("network/" + client.Key.ClientId);
            var labels = new Dictionary<string, string>
            {
                [Managed] = "true",
                [NodeLabel] = seed.NodeId,
                [ClientLabel] = client.Key.ClientId,
            };
            var members = client.ToDictionary(c => ContainerId(c), c => new
            {
                Name = ContainerName(c, ContainerId(c)),
                EndpointID = Hash("endpoint/" + ContainerId(c)),
                MacAddress = "02:42:ac:11:00:02",
                IPv4Address = "",
                IPv6Address = "",
            });
            var body = JsonSerializer.SerializeToUtf8Bytes(new
            {
                Name = name,
                Id = id,
                Created = started.UtcDateTime.ToString("o", CultureInfo.InvariantCulture),
                Scope = "local",
                Driver = "bridge",
                EnableIPv6 = false,
                IPAM = new { Driver = "default", Options = new Dictionary<string, string>(), Config = Array.Empty<object>() },
                Internal = false,
                Attachable = false,
                Ingress = false,
                Containers = members,
                Options = new Dictionary<string, string>(),
                Labels = labels,
            });
            _networks.Add(new SimNetwork(id, name, labels, body));
        }

        var pid = 1000;
        foreach (var seeded in seed.Containers)
        {
            var id = ContainerId(seeded);
            var name = ContainerName(seeded, id);
            var network = $"pnx-{seeded.ClientSlug}";
            var labels = new Dictionary<string, string>
            {
                [Managed] = "true",
                [NodeLabel] = seed.NodeId,
                [ClientLabel] = seeded.ClientId,
                [ServiceLabel] = seeded.ServiceId,
                [RevisionLabel] = seeded.Revision.ToString(CultureInfo.InvariantCulture),
                [ReplicaLabel] = seeded.Replica.ToString(CultureInfo.InvariantCulture),
                [RestartLabel] = seeded.RestartGeneration.ToString(CultureInfo.InvariantCulture),
            };
            var listed = JsonSerializer.SerializeToUtf8Bytes(new
            {
                Id = id,
                Names = new[] { "/" + name },
                Image = seed.Image,
                ImageID = imageId,
                Command = "/bin/sh",
                Created = started.ToUnixTimeSeconds(),
                Ports = Array.Empty<object>(),
                Labels = labels,
                State = "running",
                Status = "Up 5 minutes",
                HostConfig = new { NetworkMode = network },
                NetworkSettings = new { Networks = new Dictionary<string, object>() },
                Mounts = Array.Empty<object>(),
            });
            var inspected = JsonSerializer.SerializeToUtf8Bytes(new
            {
                Id = id,
                Created = started.UtcDateTime.ToString("o", CultureInfo.InvariantCulture),
                Path = "/bin/sh",
                Args = Array.Empty<string>(),
                State = new
                {
                    Status = "running",
                    Running = true,
                    Paused = false,
                    Restarting = false,
                    OOMKilled = false,
                    Dead = false,
                    Pid = pid++,
                    ExitCode = 0,
                    Error = "",
                    StartedAt = started.UtcDateTime.ToString("o", CultureInfo.InvariantCulture),
                    FinishedAt = "0001-01-01T00:00:00Z",
                },
                Image = imageId,
                Name = "/" + name,
                RestartCount = 0,
                Driver = "overlay2",
                Platform = "linux",
                HostConfig = new
                {
                    NetworkMode = network,
                    RestartPolicy = new { Name = "unless-stopped", MaximumRetryCount = 0 },
                },
                Config = new
                {
                    Hostname = id[..12],
                    Image = seed.Image,
                    Labels = labels,
                    Env = Array.Empty<string>(),
                },
                NetworkSettings = new
                {
                    Ports = new Dictionary<string, object>(),
                    Networks = new Dictionary<string, object> { [network] = new { NetworkID = Hash("network/" + seeded.ClientId) } },
                },
                Mounts = Array.Empty<object>(),
            });
            var container = new SimContainer(id, name, labels, listed, inspected, Running: true);
            if (!_byId.TryAdd(id, container))
            {
                throw new InvalidDataException($"seed lists service {seeded.ServiceId} replica {seeded.Replica} twice");
            }

            _containers.Add(container);
        }

        _version = JsonSerializer.SerializeToUtf8Bytes(new
        {
            Platform = new { Name = "PrivateNexus simulated engine" },
            Version = "27.5.1-sim",
            ApiVersion = "1.47",
            MinAPIVersion = "1.24",
            GitCommit = "simulated",
            GoVersion = "none",
            Os = "linux",
            Arch = "amd64",
            KernelVersion = "simulated",
            BuildTime = "2026-01-01T00:00:00.000000000+00:00",
        });
        _info = JsonSerializer.SerializeToUtf8Bytes(new
        {
            ID = "SIMULATED",
            Containers = _containers.Count,
            ContainersRunning = _containers.Count,
            ContainersPaused = 0,
            ContainersStopped = 0,
            Images = 1,
            Driver = "overlay2",
            Name = "pnx-bench-sim",
            ServerVersion = "27.5.1-sim",
            OperatingSystem = "PrivateNexus simulated engine",
            OSType = "linux",
            Architecture = "x86_64",
            NCPU = 2,
            MemTotal = 8L * 1024 * 1024 * 1024,
            Swarm = new { NodeID = "", NodeAddr = "", LocalNodeState = "inactive", ControlAvailable = false },
        });
        _image = JsonSerializer.SerializeToUtf8Bytes(new
        {
            Id = imageId,
            RepoTags = new[] { seed.Image },
            RepoDigests = Array.Empty<string>(),
            Created = started.UtcDateTime.ToString("o", CultureInfo.InvariantCulture),
            Architecture = "amd64",
            Os = "linux",
            Size = 1_000_000L,
        });
    }

    public int ContainerCount => _containers.Count;

    public int NetworkCount => _networks.Count;

    public async Task HandleAsync(HttpContext context, ILogger logger, bool verbose, CancellationToken stopping)
    {
        var request = context.Request;
        var path = request.Path.Value ?? "/";
        if (VersionPrefix().Match(path) is { Success: true } prefix)
        {
            path = path[prefix.Length..];
        }

        var segments = path.Trim('/').Split('/');
        var route = Route(request.Method, path, segments);
        _calls.AddOrUpdate(route, 1, (_, n) => n + 1);
        if (verbose)
        {
            logger.LogDebug("{Method} {Path}{Query} -> {Route}", request.Method, request.Path, request.QueryString, route);
        }

        switch (route)
        {
            case "GET /_ping":
                await Write(context, 200, "OK"u8.ToArray(), "text/plain");
                return;
            case "GET /version":
                await Write(context, 200, _version);
                return;
            case "GET /info":
                await Write(context, 200, _info);
                return;
            case "GET /containers/json":
                await ListContainersAsync(context, logger);
                return;
            case "GET /containers/{id}/json":
                await InspectContainerAsync(context, segments[1]);
                return;
            case "GET /containers/{id}/stats":
                await StatsAsync(context, logger, segments[1]);
                return;
            case "GET /events":
                await EventsAsync(context, logger, stopping);
                return;
            case "GET /networks":
                await ListNetworksAsync(context, logger);
                return;
            case "GET /networks/{id}":
                var network = _networks.FirstOrDefault(n => n.Id == segments[1] || n.Name == segments[1]);
                await (network is null ? NotFound(context, $"network {segments[1]} not found") : Write(context, 200, network.Inspected));
                return;
            case "GET /images/{name}/json":
                await Write(context, 200, _image);
                return;
            case "GET /_sim/stats":
                await Write(context, 200, JsonSerializer.SerializeToUtf8Bytes(new
                {
                    unexpected = Interlocked.Read(ref _unexpected),
                    calls = new SortedDictionary<string, long>(_calls, StringComparer.Ordinal),
                }));
                return;
            default:
                var count = Interlocked.Increment(ref _unexpected);
                logger.LogWarning(
                    "UNEXPECTED call #{Count}: {Method} {Path}{Query}. The simulated engine only serves reads; if the reconciler tries to change something, the seed does not match what the server wants",
                    count, request.Method, request.Path, request.QueryString);
                await Write(
                    context,
                    request.Method == "GET" ? 404 : 500,
                    JsonSerializer.SerializeToUtf8Bytes(new { message = $"simulated engine: {request.Method} {path} is not supported (only reads are)" }));
                return;
        }
    }

    /// <summary>A route name with ids folded away, for the per-route call counts.</summary>
    private static string Route(string method, string path, string[] s)
    {
        if (method != "GET" && method != "HEAD")
        {
            return $"{method} {path}";
        }

        return s switch
        {
            ["_ping"] => "GET /_ping",
            ["version"] => "GET /version",
            ["info"] => "GET /info",
            ["events"] => "GET /events",
            ["containers", "json"] => "GET /containers/json",
            ["containers", _, "json"] => "GET /containers/{id}/json",
            ["containers", _, "stats"] => "GET /containers/{id}/stats",
            ["networks"] => "GET /networks",
            ["networks", _] => "GET /networks/{id}",
            ["images", .., "json"] when s.Length >= 3 => "GET /images/{name}/json",
            ["_sim", "stats"] => "GET /_sim/stats",
            _ => $"GET {path}",
        };
    }

    private async Task ListContainersAsync(HttpContext context, ILogger logger)
    {
        if (!TryFilters(context, logger, ["label"], out var filters))
        {
            return;
        }

        // All seeded containers run, so `all` changes nothing; it is honoured anyway.
        var all = IsTrue(context.Request.Query["all"]);
        var labels = filters.GetValueOrDefault("label") ?? [];
        var matching = _containers.Where(c => (all || c.Running) && LabelsMatch(c.Labels, labels)).Select(c => c.Listed);
        await Write(context, 200, JsonArray(matching));
    }

    private Task InspectContainerAsync(HttpContext context, string idOrName)
    {
        if (_byId.TryGetValue(idOrName, out var container)
            || (idOrName.Length >= 12 && _containers.FirstOrDefault(c => c.Id.StartsWith(idOrName, StringComparison.Ordinal)) is { } byPrefix && (container = byPrefix) is not null))
        {
            return Write(context, 200, container.Inspected);
        }

        return NotFound(context, $"No such container: {idOrName}");
    }

    /// <summary>
    /// One reading of a container's counters, as Docker answers `stream=false` (the node agent's stats
    /// sampler asks with `one-shot=true`, so there is no previous CPU reading). The counters grow with
    /// time — about 1 % of one CPU — so two readings give the sampler a CPU share to compute. Streaming
    /// is not simulated (refused as unexpected).
    /// </summary>
    private async Task StatsAsync(HttpContext context, ILogger logger, string idOrName)
    {
        if (IsTrue(context.Request.Query["stream"].ToString() is { Length: > 0 } stream ? stream : "1"))
        {
            var count = Interlocked.Increment(ref _unexpected);
            logger.LogWarning("UNEXPECTED call #{Count}: streamed stats for {Container}; only stream=false is simulated", count, idOrName);
            await Write(context, 400, JsonSerializer.SerializeToUtf8Bytes(new { message = "simulated engine: only stream=false stats" }));
            return;
        }

        if (!_byId.TryGetValue(idOrName, out var container))
        {
            await NotFound(context, $"No such container: {idOrName}");
            return;
        }

        var now = _time.GetUtcNow();
        var up = (ulong)Math.Max(0, (now - _started).Ticks) * 100; // ns since start
        const ulong cpus = 2;
        var total = up / 100;                                          // 1 % of one CPU
        var memory = 24UL * 1024 * 1024;
        var empty = new { cpu_usage = new { total_usage = 0UL, usage_in_kernelmode = 0UL, usage_in_usermode = 0UL }, throttling_data = new { periods = 0, throttled_periods = 0, throttled_time = 0 } };
        await Write(context, 200, JsonSerializer.SerializeToUtf8Bytes(new
        {
            read = now.UtcDateTime.ToString("o", CultureInfo.InvariantCulture),
            preread = "0001-01-01T00:00:00Z",
            pids_stats = new { current = 1, limit = 4096 },
            blkio_stats = new
            {
                io_service_bytes_recursive = new[]
                {
                    new { major = 8, minor = 0, op = "read", value = 1_048_576UL },
                    new { major = 8, minor = 0, op = "write", value = 65_536UL },
                },
            },
            num_procs = 0,
            storage_stats = new { },
            cpu_stats = new
            {
                cpu_usage = new { total_usage = total, usage_in_kernelmode = total / 4, usage_in_usermode = total - (total / 4) },
                system_cpu_usage = 1_000_000_000_000UL + (up * cpus),
                online_cpus = cpus,
                throttling_data = new { periods = 0, throttled_periods = 0, throttled_time = 0 },
            },
            precpu_stats = empty,
            memory_stats = new { usage = memory + (4UL * 1024 * 1024), stats = new Dictionary<string, ulong> { ["inactive_file"] = 4UL * 1024 * 1024 }, limit = 64UL * 1024 * 1024 },
            name = "/" + container.Name,
            id = container.Id,
            networks = new Dictionary<string, object>
            {
                ["eth0"] = new { rx_bytes = 2048UL, rx_packets = 16UL, rx_errors = 0UL, rx_dropped = 0UL, tx_bytes = 1024UL, tx_packets = 8UL, tx_errors = 0UL, tx_dropped = 0UL },
            },
        }));
    }

    private async Task ListNetworksAsync(HttpContext context, ILogger logger)
    {
        if (!TryFilters(context, logger, ["label", "name"], out var filters))
        {
            return;
        }

        var labels = filters.GetValueOrDefault("label") ?? [];
        var names = filters.GetValueOrDefault("name") ?? [];

        // Like Docker: a name filter matches a substring of the name.
        var matching = _networks
            .Where(n => LabelsMatch(n.Labels, labels) && (names.Count == 0 || names.Any(x => n.Name.Contains(x, StringComparison.Ordinal))))
            .Select(n => n.Inspected);
        await Write(context, 200, JsonArray(matching));
    }

    /// <summary>Headers out at once, then silence until the client or the engine goes away: nothing ever happens here.</summary>
    private async Task EventsAsync(HttpContext context, ILogger logger, CancellationToken stopping)
    {
        if (!TryFilters(context, logger, ["label", "type"], out _))
        {
            return;
        }

        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        await context.Response.StartAsync(context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
        logger.LogInformation("Event stream opened (since={Since})", context.Request.Query["since"].ToString());
        using var both = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
        try
        {
            await Task.Delay(Timeout.Infinite, both.Token);
        }
        catch (OperationCanceledException)
        {
            logger.LogInformation("Event stream closed");
        }
    }

    /// <summary>Docker's `filters` parameter: {"key": {"value": true}} or {"key": ["value"]}. Unknown keys are refused (400).</summary>
    private bool TryFilters(HttpContext context, ILogger logger, string[] supported, out Dictionary<string, List<string>> filters)
    {
        filters = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var text = context.Request.Query["filters"].ToString();
        if (string.IsNullOrEmpty(text))
        {
            return true;
        }

        try
        {
            using var document = JsonDocument.Parse(text);
            foreach (var filter in document.RootElement.EnumerateObject())
            {
                if (!supported.Contains(filter.Name))
                {
                    throw new FormatException($"filter '{filter.Name}' is not supported by the simulated engine");
                }

                filters[filter.Name] = filter.Value.ValueKind == JsonValueKind.Array
                    ? [.. filter.Value.EnumerateArray().Select(v => v.GetString() ?? "")]
                    : [.. filter.Value.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.True).Select(p => p.Name)];
            }

            return true;
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException)
        {
            logger.LogWarning("UNEXPECTED filters on {Path}: {Filters} ({Error})", context.Request.Path, text, ex.Message);
            Interlocked.Increment(ref _unexpected);
            context.Response.StatusCode = 400;
            return false;
        }
    }

    /// <summary>Every label filter must match: "key=value" exactly, or "key" present.</summary>
    private static bool LabelsMatch(Dictionary<string, string> labels, List<string> filters) => filters.All(f =>
    {
        var equals = f.IndexOf('=', StringComparison.Ordinal);
        return equals < 0 ? labels.ContainsKey(f) : labels.TryGetValue(f[..equals], out var value) && value == f[(equals + 1)..];
    });

    /// <summary>Docker's boolean query values: anything but "", "0", "no", "false", "none" is true.</summary>
    private static bool IsTrue(string? value) =>
        !string.IsNullOrEmpty(value) && value.ToLowerInvariant() is not ("0" or "no" or "false" or "none");

    private static byte[] JsonArray(IEnumerable<byte[]> items)
    {
        using var buffer = new MemoryStream();
        buffer.WriteByte((byte)'[');
        var first = true;
        foreach (var item in items)
        {
            if (!first)
            {
                buffer.WriteByte((byte)',');
            }

            buffer.Write(item);
            first = false;
        }

        buffer.WriteByte((byte)']');
        return buffer.ToArray();
    }

    private static async Task Write(HttpContext context, int status, byte[] body, string contentType = "application/json")
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = contentType;
        context.Response.ContentLength = body.Length;
        if (!HttpMethods.IsHead(context.Request.Method))
        {
            await context.Response.Body.WriteAsync(body, context.RequestAborted);
        }
    }

    private static Task NotFound(HttpContext context, string message) =>
        Write(context, 404, JsonSerializer.SerializeToUtf8Bytes(new { message }));

    private static string ContainerId(SeedContainer c) =>
        Hash($"container/{c.ServiceId}/{c.Revision}/{c.RestartGeneration}/{c.Replica}");

    private static string ContainerName(SeedContainer c, string id) =>
        $"pnx-{c.ClientSlug}-{c.ServiceName}-{c.Replica}-r{c.Revision}-{id[..6]}";

    private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    [GeneratedRegex(@"^/v[0-9]+\.[0-9]+(?=/)")]
    private static partial Regex VersionPrefix();

    private sealed record SimContainer(string Id, string Name, Dictionary<string, string> Labels, byte[] Listed, byte[] Inspected, bool Running);

    private sealed record SimNetwork(string Id, string Name, Dictionary<string, string> Labels, byte[] Inspected);
}
