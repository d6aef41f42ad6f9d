using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PrivateNexus.Bench.Realtime;

/// <summary>
/// N graphql-transport-ws connections, each subscribed to <c>auditEventAdded</c>; events caused one at
/// a time by a <c>createClient</c> mutation over HTTP; every delivery timed. Options:
/// <c>--url</c> (http://host:port/graphql), <c>--token-file</c> (one access token per line, used
/// round robin), <c>--connections</c> (1000), <c>--warmup-events</c> (20), <c>--events</c> (100 per
/// round), <c>--rounds</c> (2), <c>--interval-ms</c> (250, between mutations), <c>--server-pid</c>
/// (for RSS and CPU), <c>--json</c> and <c>--md</c> (output files).
/// </summary>
internal static class FanOut
{
    private const string Query = "subscription { auditEventAdded { id time action targetId } }";

    public static async Task<int> RunAsync(Options options)
    {
        var url = new Uri(options.Text("url"));
        var wsUrl = new UriBuilder(url) { Scheme = url.Scheme == "https" ? "wss" : "ws" }.Uri;
        var tokens = File.ReadAllLines(options.Text("token-file")).Where(t => t.Length > 0).ToArray();
        if (tokens.Length == 0)
        {
            throw new OptionException("--token-file holds no token");
        }

        var connections = options.Int("connections", 1000);
        var warmupEvents = options.Int("warmup-events", 20);
        var events = options.Int("events", 100);
        var rounds = options.Int("rounds", 2);
        var interval = TimeSpan.FromMilliseconds(options.Int("interval-ms", 250));
        var serverPid = options.Int("server-pid", 0);
        var clock = new Clock();
        var report = new JsonObject
        {
            ["connections"] = connections,
            ["tokens"] = tokens.Length,
            ["events_per_round"] = events,
            ["rounds"] = rounds,
            ["warmup_events"] = warmupEvents,
            ["interval_ms"] = interval.TotalMilliseconds,
            ["processors_seen_by_load_generator"] = Environment.ProcessorCount,
        };
        var memory = new JsonObject();
        report["server_rss_mb"] = memory;
        memory["before_connections"] = Stats.RssMb(serverPid);
        report["load_before"] = Stats.LoadAverage();
        Log($"server RSS before connections: {Stats.F(Stats.RssMb(serverPid))} MB; opening {connections} connections");

        using var http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(30) };
        var subscribers = new Subscriber[connections];
        var connectWatch = Stopwatch.StartNew();
        using (var gate = new SemaphoreSlim(16))
        {
            await Task.WhenAll(Enumerable.Range(0, connections).Select(async i =>
            {
                await gate.WaitAsync();
                try
                {
                    subscribers[i] = await Subscriber.OpenAsync(i, wsUrl, tokens[i % tokens.Length]);
                }
                finally
                {
                    gate.Release();
                }
            }));
        }

        report["connect_seconds"] = Math.Round(connectWatch.Elapsed.TotalSeconds, 1);
        Log($"{connections} connected and subscribed in {connectWatch.Elapsed.TotalSeconds:F1} s; waiting until every subscription is live");

        // Probe events until every subscriber has seen one: each subscription is then surely set up.
        var liveWatch = Stopwatch.StartNew();
        var probes = 0;
        while (subscribers.Any(s => s.Count == 0))
        {
            if (liveWatch.Elapsed > TimeSpan.FromSeconds(90))
            {
                Log($"only {subscribers.Count(s => s.Count > 0)} of {connections} subscriptions ever received an event; giving up");
                return 1;
            }

            await MutateAsync(http, tokens[0]);
            probes++;
            await Task.Delay(500);
        }

        report["liveness_probes"] = probes;
        await Task.Delay(2000);
        memory["after_connected"] = Stats.RssMb(serverPid);
        Log($"all live after {probes} probe events; server RSS {Stats.F(Stats.RssMb(serverPid))} MB");

        Log($"warm-up: {warmupEvents} events");
        await EmitAsync(http, tokens[0], clock, warmupEvents, interval);
        await Task.Delay(1000);

        var roundResults = new JsonArray();
        var allFromAudit = new List<double>();
        var allFromReturn = new List<double>();
        var allFromSend = new List<double>();
        long totalMissing = 0;
        for (var round = 1; round <= rounds; round++)
        {
            foreach (var s in subscribers)
            {
                s.Clear();
            }

            Log($"round {round}: start"); // bench/realtime.sh's cue for RT_PROFILE
            var load = Stats.LoadAverage();
            var cpuBefore = Stats.CpuTicks(serverPid);
            var ownCpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            var watch = Stopwatch.StartNew();
            var sent = await EmitAsync(http, tokens[0], clock, events, interval);
            await Task.Delay(2000); // the last event's deliveries
            var wall = watch.Elapsed.TotalSeconds;
            var cpuTicks = Stats.CpuTicks(serverPid) - cpuBefore;
            var ownCpu = (Process.GetCurrentProcess().TotalProcessorTime - ownCpuBefore).TotalSeconds;

            var fromAudit = new List<double>();
            var fromReturn = new List<double>();
            var fromSend = new List<double>();
            var spans = new List<double>();
            long missing = 0;
            long duplicates = 0;
            foreach (var (targetId, mutation) in sent)
            {
                double first = double.MaxValue, last = double.MinValue;
                foreach (var s in subscribers)
                {
                    var receipts = s.ReceiptsFor(targetId);
                    if (receipts.Count == 0)
                    {
                        missing++;
                        continue;
                    }

                    duplicates += receipts.Count - 1;
                    var r = receipts[0];
                    fromAudit.Add(clock.WallMs(r.Timestamp) - r.AuditTimeMs);
                    fromReturn.Add(Clock.Ms(r.Timestamp - mutation.Returned));
                    fromSend.Add(Clock.Ms(r.Timestamp - mutation.Sent));
                    first = Math.Min(first, Clock.Ms(r.Timestamp));
                    last = Math.Max(last, Clock.Ms(r.Timestamp));
                }

                if (last >= first)
                {
                    spans.Add(last - first);
                }
            }

            var deliveries = fromAudit.Count;
            var result = new JsonObject
            {
                ["round"] = round,
                ["events"] = sent.Count,
                ["deliveries"] = deliveries,
                ["missing"] = missing,
                ["duplicates"] = duplicates,
                ["closed_connections"] = subscribers.Count(s => s.Closed is not null),
                ["load_at_start"] = load,
                ["wall_seconds"] = Math.Round(wall, 2),
                ["server_cpu_seconds"] = cpuTicks / 100.0,
                ["server_cpu_us_per_delivery"] = deliveries == 0 ? null : Math.Round(cpuTicks * 10_000.0 / deliveries, 1),
                ["server_core_share_pct"] = Math.Round(cpuTicks / wall, 1),
                ["load_generator_cpu_seconds"] = Math.Round(ownCpu, 2),
                ["mutation_ms"] = ToJson(Stats.Summary(sent.Values.Select(m => Clock.Ms(m.Returned - m.Sent)))),
                ["latency_from_audit_time_ms"] = ToJson(Stats.Summary(fromAudit)),
                ["latency_from_mutation_return_ms"] = ToJson(Stats.Summary(fromReturn)),
                ["latency_from_mutation_send_ms"] = ToJson(Stats.Summary(fromSend)),
                ["fanout_span_ms"] = ToJson(Stats.Summary(spans)),
                ["server_rss_mb_after"] = Stats.RssMb(serverPid),
            };
            roundResults.Add(result);
            allFromAudit.AddRange(fromAudit);
            allFromReturn.AddRange(fromReturn);
            allFromSend.AddRange(fromSend);
            totalMissing += missing;
            Log($"round {round}: {deliveries} deliveries, {missing} missing; from audit time p50 {Stats.F(Stats.Percentile(Sorted(fromAudit), 50))} p99 {Stats.F(Stats.Percentile(Sorted(fromAudit), 99))} max {Stats.F(fromAudit.DefaultIfEmpty(double.NaN).Max())} ms; server {cpuTicks / wall:F0} % of a core");
        }

        memory["after_run"] = Stats.RssMb(serverPid);
        report["rounds_detail"] = roundResults;
        report["all_rounds"] = new JsonObject
        {
            ["latency_from_audit_time_ms"] = ToJson(Stats.Summary(allFromAudit)),
            ["latency_from_mutation_return_ms"] = ToJson(Stats.Summary(allFromReturn)),
            ["latency_from_mutation_send_ms"] = ToJson(Stats.Summary(allFromSend)),
            ["missing"] = totalMissing,
        };
        report["load_after"] = Stats.LoadAverage();

        foreach (var s in subscribers)
        {
            await s.DisposeAsync();
        }

        await Task.Delay(3000);
        memory["after_disconnect"] = Stats.RssMb(serverPid);

        await WriteAsync(options, report, FanOutMarkdown(report));
        return 0;
    }

    private static double[] Sorted(List<double> values)
    {
        var a = values.ToArray();
        Array.Sort(a);
        return a;
    }

    private sealed record Mutation(long Sent, long Returned);

    private static async Task<Dictionary<string, Mutation>> EmitAsync(HttpClient http, string token, Clock clock, int count, TimeSpan interval)
    {
        var sent = new Dictionary<string, Mutation>(StringComparer.Ordinal);
        var next = Stopwatch.GetTimestamp();
        for (var i = 0; i < count; i++)
        {
            var (id, mutation) = await MutateAsync(http, token);
            sent[id] = mutation;
            next += (long)(interval.TotalSeconds * Stopwatch.Frequency);
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), next);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait);
            }
        }

        return sent;
    }

    private static int _serial;

    private static async Task<(string Id, Mutation Mutation)> MutateAsync(HttpClient http, string token)
    {
        var slug = $"rt-{Environment.ProcessId}-{Interlocked.Increment(ref _serial)}";
        var body = JsonSerializer.Serialize(new
        {
            query = "mutation($i: CreateClientInput!) { createClient(input: $i) { id } }",
            variables = new { i = new { name = slug, slug } },
        });
        using var request = new HttpRequestMessage(HttpMethod.Post, "")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.Accept.ParseAdd("application/graphql-response+json");
        var sent = Stopwatch.GetTimestamp();
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var returned = Stopwatch.GetTimestamp();
        var id = JsonNode.Parse(text)?["data"]?["createClient"]?["id"]?.GetValue<string>()
            ?? throw new InvalidOperationException($"createClient failed: HTTP {(int)response.StatusCode} {text}");
        return (id, new Mutation(sent, returned));
    }

    private static JsonObject ToJson(Dictionary<string, double> summary)
    {
        var o = new JsonObject();
        foreach (var (k, v) in summary)
        {
            o[k] = double.IsNaN(v) ? null : Math.Round(v, 3);
        }

        return o;
    }

    internal static async Task WriteAsync(Options options, JsonObject report, string markdown)
    {
        var json = report.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
        if (options.Text("json", "") is { Length: > 0 } jsonPath)
        {
            await File.WriteAllTextAsync(jsonPath, json);
        }

        if (options.Text("md", "") is { Length: > 0 } mdPath)
        {
            await File.AppendAllTextAsync(mdPath, markdown);
        }

        Console.WriteLine(markdown);
    }

    private static string FanOutMarkdown(JsonObject r)
    {
        var md = new StringBuilder();
        var mem = r["server_rss_mb"]!;
        double M(string key) => mem[key]?.GetValue<double>() ?? double.NaN;
        md.AppendLine(FormattableString.Invariant($"### Fan-out: {r["connections"]} subscribers of `auditEventAdded`"));
        md.AppendLine();
        md.AppendLine(FormattableString.Invariant($"{r["connections"]} graphql-transport-ws connections ({r["tokens"]} token(s)), connected and subscribed in {r["connect_seconds"]} s; {r["liveness_probes"]} probe events until every subscription had received one; {r["warmup_events"]} warm-up events; then {r["rounds"]} rounds of {r["events_per_round"]} events, one `createClient` mutation over HTTP every {r["interval_ms"]} ms."));
        md.AppendLine();
        md.AppendLine("| round | events | deliveries | missing | dup | closed sockets | p50 ms | p95 ms | p99 ms | max ms | p99 from mutation return ms | fan-out span p50 / max ms | mutation p50 ms | server CPU µs/delivery | server % core | load gen CPU s | load at start |");
        md.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (var round in r["rounds_detail"]!.AsArray())
        {
            var a = round!["latency_from_audit_time_ms"]!;
            var ret = round["latency_from_mutation_return_ms"]!;
            var span = round["fanout_span_ms"]!;
            md.AppendLine(FormattableString.Invariant(
                $"| {round["round"]} | {round["events"]} | {round["deliveries"]} | {round["missing"]} | {round["duplicates"]} | {round["closed_connections"]} | {V(a, "p50")} | {V(a, "p95")} | {V(a, "p99")} | {V(a, "max")} | {V(ret, "p99")} | {V(span, "p50")} / {V(span, "max")} | {V(round["mutation_ms"]!, "p50")} | {round["server_cpu_us_per_delivery"]} | {round["server_core_share_pct"]} | {round["load_generator_cpu_seconds"]} | {round["load_at_start"]} |"));
        }

        var all = r["all_rounds"]!["latency_from_audit_time_ms"]!;
        var p99 = all["p99"]?.GetValue<double>() ?? double.NaN;
        var growth = M("after_connected") - M("before_connections");
        var missing = r["all_rounds"]!["missing"]!.GetValue<long>();
        md.AppendLine();
        md.AppendLine(FormattableString.Invariant($"All rounds, {all["count"]} deliveries: p50 {V(all, "p50")} ms, p95 {V(all, "p95")} ms, p99 {V(all, "p99")} ms, p99.9 {V(all, "p999")} ms, max {V(all, "max")} ms (from the audit event's server time to receipt)."));
        md.AppendLine();
        md.AppendLine(FormattableString.Invariant($"Server RSS: {Stats.F(M("before_connections"))} MB before the connections, {Stats.F(M("after_connected"))} MB with all connected and subscribed (growth {Stats.F(growth)} MB = {Stats.F(growth * 1024 / r["connections"]!.GetValue<int>())} KB per connection), {Stats.F(M("after_run"))} MB after the rounds, {Stats.F(M("after_disconnect"))} MB 3 s after the clients disconnected. Load average before / after: {r["load_before"]} / {r["load_after"]}."));
        md.AppendLine();
        md.AppendLine(FormattableString.Invariant($"- p99 delivery latency ≤ 100 ms: **{(p99 <= 100 && missing == 0 ? "MET" : "NOT MET")}** (p99 {Stats.F(p99)} ms, {missing} deliveries missing)"));
        md.AppendLine(FormattableString.Invariant($"- server RSS growth ≤ 100 MB for the connections: **{(growth <= 100 ? "MET" : "NOT MET")}** ({Stats.F(growth)} MB)"));
        md.AppendLine();
        return md.ToString();
    }

    private static string V(JsonNode node, string key) => node[key] is { } v ? Stats.F(v.GetValue<double>()) : "–";

    internal static void Log(string message) =>
        Console.Error.WriteLine($"[realtime {TimeProvider.System.GetUtcNow():HH:mm:ss}] {message}");

    /// <summary>Stopwatch timestamps, and their wall-clock time (same host clock as the server's audit times).</summary>
    internal sealed class Clock
    {
        private readonly long _anchorTimestamp = Stopwatch.GetTimestamp();
        private readonly double _anchorWallMs = UnixMs(TimeProvider.System.GetUtcNow());

        public static double UnixMs(DateTimeOffset time) => (time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / (double)TimeSpan.TicksPerMillisecond;

        public static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;

        public double WallMs(long timestamp) => _anchorWallMs + Ms(timestamp - _anchorTimestamp);
    }

    internal readonly record struct Receipt(long Timestamp, double AuditTimeMs);

    /// <summary>One socket: connection_init, connection_ack, subscribe, then a receive loop that answers pings and times every event.</summary>
    private sealed class Subscriber : IAsyncDisposable
    {
        private readonly ClientWebSocket _socket;
        private readonly Lock _lock = new();
        private readonly Dictionary<string, List<Receipt>> _receipts = new(StringComparer.Ordinal);
        private readonly CancellationTokenSource _stop = new();
        private Task? _loop;
        private int _count;

        private Subscriber(ClientWebSocket socket) => _socket = socket;

        public int Count => Volatile.Read(ref _count);

        public string? Closed { get; private set; }

        public static async Task<Subscriber> OpenAsync(int index, Uri url, string token)
        {
            var socket = new ClientWebSocket();
            socket.Options.AddSubProtocol("graphql-transport-ws");
            socket.Options.KeepAliveInterval = TimeSpan.Zero;
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await socket.ConnectAsync(url, timeout.Token);
            var subscriber = new Subscriber(socket);
            await subscriber.SendAsync(new JsonObject { ["type"] = "connection_init", ["payload"] = new JsonObject { ["authorization"] = "Bearer " + token } }, timeout.Token);
            var buffer = new byte[64 * 1024];
            while (true)
            {
                var message = await ReceiveAsync(socket, buffer, timeout.Token)
                    ?? throw new InvalidOperationException($"connection {index}: closed before connection_ack ({socket.CloseStatus} {socket.CloseStatusDescription})");
                var type = JsonNode.Parse(message)?["type"]?.GetValue<string>();
                if (type == "connection_ack")
                {
                    break;
                }

                if (type == "ping")
                {
                    await subscriber.SendAsync(new JsonObject { ["type"] = "pong" }, timeout.Token);
                }
            }

            await subscriber.SendAsync(new JsonObject { ["id"] = "1", ["type"] = "subscribe", ["payload"] = new JsonObject { ["query"] = Query } }, timeout.Token);
            subscriber._loop = Task.Run(() => subscriber.LoopAsync(buffer));
            return subscriber;
        }

        public void Clear()
        {
            lock (_lock)
            {
                _receipts.Clear();
            }
        }

        public List<Receipt> ReceiptsFor(string targetId)
        {
            lock (_lock)
            {
                return _receipts.TryGetValue(targetId, out var list) ? [.. list] : [];
            }
        }

        private async Task LoopAsync(byte[] buffer)
        {
            try
            {
                while (!_stop.IsCancellationRequested)
                {
                    var message = await ReceiveAsync(_socket, buffer, _stop.Token);
                    var timestamp = Stopwatch.GetTimestamp();
                    if (message is null)
                    {
                        Closed = $"{_socket.CloseStatus} {_socket.CloseStatusDescription}";
                        return;
                    }

                    Handle(message, timestamp);
                    if (message.AsSpan().IndexOf("\"ping\""u8) >= 0 && JsonNode.Parse(message)?["type"]?.GetValue<string>() == "ping")
                    {
                        await SendAsync(new JsonObject { ["type"] = "pong" }, _stop.Token);
                    }
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
            }
            catch (WebSocketException ex)
            {
                Closed = ex.Message;
            }
        }

        private void Handle(byte[] message, long timestamp)
        {
            var reader = new Utf8JsonReader(message);
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            var type = root.GetProperty("type").GetString();
            if (type == "next"
                && root.GetProperty("payload").TryGetProperty("data", out var data)
                && data.ValueKind == JsonValueKind.Object
                && data.TryGetProperty("auditEventAdded", out var audit)
                && audit.GetProperty("targetId").GetString() is { } targetId)
            {
                var time = audit.GetProperty("time").GetDateTimeOffset();
                var auditMs = Clock.UnixMs(time);
                lock (_lock)
                {
                    if (!_receipts.TryGetValue(targetId, out var list))
                    {
                        _receipts[targetId] = list = [];
                    }

                    list.Add(new Receipt(timestamp, auditMs));
                }

                Interlocked.Increment(ref _count);
            }
            else if (type is "error" or "complete")
            {
                Closed = $"{type}: {Encoding.UTF8.GetString(message)}";
            }
        }

        private async Task SendAsync(JsonObject message, CancellationToken cancellationToken) =>
            await _socket.SendAsync(Encoding.UTF8.GetBytes(message.ToJsonString()), WebSocketMessageType.Text, true, cancellationToken);

        private static async Task<byte[]?> ReceiveAsync(ClientWebSocket socket, byte[] buffer, CancellationToken cancellationToken)
        {
            using var message = new MemoryStream();
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer, cancellationToken);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return null;
                }

                message.Write(buffer, 0, result.Count);
                if (result.EndOfMessage)
                {
                    return message.ToArray();
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                if (_socket.State == WebSocketState.Open)
                {
                    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                    await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "done", timeout.Token);
                }
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
            {
            }

            await _stop.CancelAsync();
            if (_loop is not null)
            {
                await _loop.ContinueWith(_ => { }, TaskScheduler.Default);
            }

            _socket.Dispose();
            _stop.Dispose();
        }
    }
}
