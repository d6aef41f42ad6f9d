using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.Extensions.Logging.Abstractions;
using PrivateNexus.Server.Events;
using PrivateNexus.Server.GraphQL.Subscriptions;

namespace PrivateNexus.Bench.Realtime;

/// <summary>
/// The server's own <see cref="EventBus"/> at a paced rate of <see cref="BusProbe"/> events, counted by
/// sequence number at a subscriber with the queue a GraphQL subscriber gets. <c>--mode inprocess</c>:
/// one bus, publisher and subscriber on it. <c>--mode redis --redis redis://…</c>: two buses, each
/// with its own <see cref="RedisConnection"/> and <see cref="RedisEventTransport"/> (two replicas as
/// the server wires them), publishing on A, subscribed on B. Options: <c>--rate</c> (10000/s),
/// <c>--seconds</c> (60), <c>--capacity</c> (the subscription's queue, 1024 as in EventStreams),
/// <c>--sample-seconds</c> (5), <c>--redis-pid</c> (its RSS in the samples), <c>--json</c>, <c>--md</c>.
/// </summary>
internal static class BusLoad
{
    public static async Task<int> RunAsync(Options options)
    {
        var mode = options.Text("mode");
        var rate = options.Int("rate", 10_000);
        var seconds = options.Int("seconds", 60);
        var capacity = options.Int("capacity", EventStreams.QueueCapacity);
        var sampleEvery = TimeSpan.FromSeconds(Math.Max(1, options.Int("sample-seconds", 5)));
        var redisPid = options.Int("redis-pid", 0);
        var total = (long)rate * seconds;

        var disposables = new List<IDisposable>();
        EventBus publisher, subscriberBus;
        switch (mode)
        {
            case "inprocess":
                publisher = subscriberBus = new EventBus(NullLogger<EventBus>.Instance);
                disposables.Add(publisher);
                break;
            case "redis":
                var url = options.Text("redis");
                publisher = Replica(url, "bench-a", disposables);
                subscriberBus = Replica(url, "bench-b", disposables);
                // The transports subscribe in the background (a server starts without Redis): wait for both.
                foreach (var bus in new[] { publisher, subscriberBus })
                {
                    if (bus.Transport is RedisEventTransport { Subscribing: { } subscribing })
                    {
                        await subscribing.WaitAsync(TimeSpan.FromSeconds(10)).ContinueWith(_ => { }, TaskScheduler.Default);
                    }
                }

                if (!publisher.Transport!.Connected || !subscriberBus.Transport!.Connected
                    || publisher.Transport is RedisEventTransport { Subscribed: false } || subscriberBus.Transport is RedisEventTransport { Subscribed: false })
                {
                    FanOut.Log($"redis at {url} is not reachable");
                    return 1;
                }

                break;
            default:
                throw new OptionException("--mode is inprocess or redis");
        }

        var subscription = subscriberBus.Subscribe(e => e is BusProbe, capacity);
        var received = new bool[total];
        var latencies = new double[total];
        // Touch the bookkeeping now, so its pages do not show as RSS growth during the run.
        Array.Fill(latencies, -1.0);
        Array.Fill(received, true);
        Array.Fill(received, false);
        long count = 0, duplicates = 0, outOfOrder = 0, lastSeq = -1, warmSeen = 0;
        string? endedBy = null;
        var reader = Task.Run(async () =>
        {
            try
            {
                while (await subscription.Reader.WaitToReadAsync())
                {
                    while (subscription.Reader.TryRead(out var item))
                    {
                        var probe = (BusProbe)item;
                        var now = NowMicros();
                        if (probe.Tag != "m")
                        {
                            Interlocked.Increment(ref warmSeen);
                            continue;
                        }

                        if (received[probe.Sequence])
                        {
                            duplicates++;
                            continue;
                        }

                        received[probe.Sequence] = true;
                        if (probe.Sequence < lastSeq)
                        {
                            outOfOrder++;
                        }

                        lastSeq = probe.Sequence;
                        latencies[Interlocked.Increment(ref count) - 1] = (now - probe.SentAtUnixMicroseconds) / 1000.0;
                    }
                }
            }
            catch (SlowSubscriberException ex)
            {
                // WaitToReadAsync rethrows the exception the bus completed the queue with, as it is.
                endedBy = $"{ex.GetType().Name} after {Interlocked.Read(ref count)} events: {ex.Message}";
            }
            catch (ChannelClosedException ex)
            {
                endedBy = ex.InnerException?.Message ?? ex.Message;
            }
        });

        // The path is up (Redis subscriptions established, JIT warm) once warm-up probes arrive.
        var warmWatch = Stopwatch.StartNew();
        var warmSent = 0;
        while (Interlocked.Read(ref warmSeen) < 1000 && warmWatch.Elapsed < TimeSpan.FromSeconds(30))
        {
            for (var i = 0; i < 100; i++)
            {
                publisher.Publish(new BusProbe(warmSent++, NowMicros(), "warm"));
            }

            await Task.Delay(10);
        }

        if (Interlocked.Read(ref warmSeen) == 0)
        {
            FanOut.Log("no warm-up probe arrived at the subscriber within 30 s");
            return 1;
        }

        await Task.Delay(500);
        FanOut.Log($"{mode}: warm ({warmSent} probes sent, {Interlocked.Read(ref warmSeen)} seen); publishing {rate}/s for {seconds} s");

        GC.Collect();
        var samples = new JsonArray();
        var published = 0L;
        var maxBurst = 0L;
        var gen = new[] { GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2) };
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var redisCpuBefore = Stats.CpuTicks(redisPid);
        var load = Stats.LoadAverage();
        var watch = Stopwatch.StartNew();
        var sampler = Task.Run(async () =>
        {
            long lastPublished = 0, lastReceived = 0;
            var lastTime = 0.0;
            while (Interlocked.Read(ref published) < total)
            {
                await Task.Delay(sampleEvery);
                var t = watch.Elapsed.TotalSeconds;
                var p = Interlocked.Read(ref published);
                var r = Interlocked.Read(ref count);
                var heapBefore = GC.GetTotalMemory(false);
                // A full blocking collection per sample: what is left is the live heap, the number that
                // must stay flat (without it the gen0 budget's saw-tooth hides any trend in a 60 s run).
                var gcWatch = Stopwatch.StartNew();
                GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
                var gcMs = gcWatch.Elapsed.TotalMilliseconds;
                samples.Add(new JsonObject
                {
                    ["t_s"] = Math.Round(t, 1),
                    ["published"] = p,
                    ["received"] = r,
                    ["published_per_s"] = Math.Round((p - lastPublished) / (t - lastTime)),
                    ["received_per_s"] = Math.Round((r - lastReceived) / (t - lastTime)),
                    ["gc_heap_mb"] = Math.Round(heapBefore / 1048576.0, 1),
                    ["live_heap_mb"] = Math.Round(GC.GetTotalMemory(false) / 1048576.0, 2),
                    ["forced_gc_ms"] = Math.Round(gcMs, 1),
                    ["max_burst"] = Interlocked.Read(ref maxBurst),
                    ["rss_mb"] = Math.Round(Stats.RssMb(Environment.ProcessId), 1),
                    ["redis_rss_mb"] = redisPid > 0 ? Math.Round(Stats.RssMb(redisPid), 1) : null,
                    ["gen0"] = GC.CollectionCount(0) - gen[0],
                    ["gen1"] = GC.CollectionCount(1) - gen[1],
                    ["gen2"] = GC.CollectionCount(2) - gen[2],
                });
                (lastPublished, lastReceived, lastTime) = (p, r, t);
            }
        });

        // Paced on a thread of its own: every millisecond or so, publish what is due by now. Awaited,
        // never joined: blocking a pool thread would starve the reader's continuations on one core.
        var publishDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var publishThread = new Thread(() =>
        {
            long seq = 0;
            while (seq < total)
            {
                var due = Math.Min(total, (long)(watch.Elapsed.TotalSeconds * rate));
                if (due - seq > Interlocked.Read(ref maxBurst))
                {
                    // Events published in one go, without a pause in which the subscriber could run:
                    // after the publisher itself was held up, it catches up in one burst.
                    Interlocked.Exchange(ref maxBurst, due - seq);
                }

                while (seq < due)
                {
                    publisher.Publish(new BusProbe(seq, NowMicros(), "m"));
                    seq++;
                    Interlocked.Exchange(ref published, seq);
                }

                Thread.Sleep(1);
            }

            publishDone.SetResult();
        })
        { IsBackground = true, Name = "bus-publisher" };
        publishThread.Start();
        await publishDone.Task;
        var publishSeconds = watch.Elapsed.TotalSeconds;

        // Let the subscriber drain (Redis in flight), at most 10 s.
        var drain = Stopwatch.StartNew();
        while (Interlocked.Read(ref count) < total && endedBy is null && drain.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(50);
        }

        var receiveSeconds = watch.Elapsed.TotalSeconds;
        await sampler;
        var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds;
        var redisCpu = redisPid > 0 ? (Stats.CpuTicks(redisPid) - redisCpuBefore) / 100.0 : double.NaN;
        subscription.Dispose();
        await reader;
        foreach (var d in disposables.AsEnumerable().Reverse())
        {
            d.Dispose();
        }

        var got = Interlocked.Read(ref count);
        var lat = latencies.AsSpan(0, (int)got).ToArray();
        var summary = Stats.Summary(lat);
        var report = new JsonObject
        {
            ["mode"] = mode,
            ["rate_target"] = rate,
            ["seconds"] = seconds,
            ["queue_capacity"] = capacity,
            ["published"] = total,
            ["publish_seconds"] = Math.Round(publishSeconds, 2),
            ["published_per_s"] = Math.Round(total / publishSeconds),
            ["received"] = got,
            ["lost"] = total - got,
            ["duplicates"] = duplicates,
            ["out_of_order"] = outOfOrder,
            ["subscription_ended_by"] = endedBy,
            ["received_until_s"] = Math.Round(receiveSeconds, 2),
            ["bus_dropped"] = subscriberBus.Dropped,
            ["max_publisher_burst"] = Interlocked.Read(ref maxBurst),
            ["redis_send_failures"] = (publisher.Transport as RedisEventTransport)?.SendFailures,
            ["process_cpu_seconds"] = Math.Round(cpu, 2),
            ["redis_cpu_seconds"] = double.IsNaN(redisCpu) ? null : redisCpu,
            ["load_at_start"] = load,
            ["load_at_end"] = Stats.LoadAverage(),
            ["latency_ms"] = new JsonObject(summary.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)(double.IsNaN(kv.Value) ? null : Math.Round(kv.Value, 3))))),
            ["samples"] = samples,
        };

        await FanOut.WriteAsync(options, report, Markdown(report));
        return 0;
    }

    private static EventBus Replica(string url, string name, List<IDisposable> disposables)
    {
        var connection = new RedisConnection(url, NullLogger<RedisConnection>.Instance);
        connection.Options.ClientName = name;
        var transport = new RedisEventTransport(connection, NullLogger<RedisEventTransport>.Instance);
        var bus = new EventBus(NullLogger<EventBus>.Instance, transport);
        disposables.Add(connection);
        disposables.Add(transport);
        disposables.Add(bus);
        return bus;
    }

    private static long NowMicros() => (TimeProvider.System.GetUtcNow().UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;

    private static string Markdown(JsonObject r)
    {
        var md = new StringBuilder();
        var l = r["latency_ms"]!;
        string V(string key) => l[key] is { } v ? Stats.F(v.GetValue<double>(), 2) : "–";
        var samples = r["samples"]!.AsArray();
        md.AppendLine(CultureInfo.InvariantCulture, $"### Bus, {r["mode"]}: {r["rate_target"]} events/s for {r["seconds"]} s");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Published {r["published"]} `BusProbe` events in {r["publish_seconds"]} s (**{r["published_per_s"]}/s**); received {r["received"]}, **lost {r["lost"]}**, duplicates {r["duplicates"]}, out of order {r["out_of_order"]}{(r["subscription_ended_by"] is { } e ? $", subscription ended: {e}" : "")}. Subscriber queue {r["queue_capacity"]} (a GraphQL subscription gets {EventStreams.QueueCapacity}). Latency publish → subscriber (ms): p50 {V("p50")}, p95 {V("p95")}, p99 {V("p99")}, p99.9 {V("p999")}, max {V("max")}. CPU of the bench process {r["process_cpu_seconds"]} s{(r["redis_cpu_seconds"] is { } rc ? $", of redis-server {rc} s" : "")}; load average {r["load_at_start"]} → {r["load_at_end"]}.");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Largest burst the publisher sent in one go (catching up after it was held up): {r["max_publisher_burst"]} events.");
        md.AppendLine();
        md.AppendLine("| t (s) | published | received | published/s | received/s | GC heap MB | live heap MB (after a forced GC) | forced GC ms | RSS MB | redis RSS MB | gen0 / gen1 / gen2 GCs (incl. forced) | largest burst so far |");
        md.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (var s in samples)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| {s!["t_s"]} | {s["published"]} | {s["received"]} | {s["published_per_s"]} | {s["received_per_s"]} | {s["gc_heap_mb"]} | {s["live_heap_mb"]} | {s["forced_gc_ms"]} | {s["rss_mb"]} | {s["redis_rss_mb"]?.ToString() ?? "–"} | {s["gen0"]} / {s["gen1"]} / {s["gen2"]} | {s["max_burst"]} |");
        }

        var rss = samples.Select(s => s!["rss_mb"]!.GetValue<double>()).ToList();
        var heap = samples.Select(s => s!["live_heap_mb"]!.GetValue<double>()).ToList();
        var heapDrift = heap.Count >= 3 ? heap[^1] - heap[1] : double.NaN;
        var lost = r["lost"]!.GetValue<long>();
        var perSecond = r["published_per_s"]!.GetValue<double>();
        var rssDrift = rss.Count >= 3 ? rss[^1] - rss[1] : double.NaN; // from the second sample on (the first includes start-up growth)
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"- {r["rate_target"]} events/s sustained {r["seconds"]} s with no loss: **{(lost == 0 && perSecond >= 0.99 * r["rate_target"]!.GetValue<int>() ? "MET" : "NOT MET")}** ({perSecond}/s, {lost} lost)");
        md.AppendLine(CultureInfo.InvariantCulture, $"- flat memory: live heap {Stats.F(heap.DefaultIfEmpty(double.NaN).Min(), 2)}–{Stats.F(heap.DefaultIfEmpty(double.NaN).Max(), 2)} MB (second to last sample {(heapDrift >= 0 ? "+" : "")}{Stats.F(heapDrift, 2)} MB), RSS {Stats.F(rss.DefaultIfEmpty(double.NaN).Min())}–{Stats.F(rss.DefaultIfEmpty(double.NaN).Max())} MB ({(rssDrift >= 0 ? "+" : "")}{Stats.F(rssDrift)} MB): **{(heapDrift <= 1 && rssDrift <= 10 ? "MET" : "NOT MET")}** (bounds used, from the second sample to the last: live heap ≤ +1 MB, RSS ≤ +10 MB)");
        md.AppendLine();
        return md.ToString();
    }
}
