using PrivateNexus.Server.Engine;
using Prometheus;

namespace PrivateNexus.Server.Features.Metrics;

/// <summary>
/// Per-container numbers, read from the state mirror at scrape time (never from an engine): state
/// and restarts of every container the mirror knows, and the latest background stats sample of the
/// running ones. Series of containers that are gone (or stopped, for stats) are removed on the next
/// scrape, so the label sets stay bounded by the containers that exist now.
/// </summary>
public sealed class ContainerMetrics
{
    private static readonly string[] Labels = ["client", "service", "node", "container"];

    private readonly StateMirror _mirror;
    private readonly Lock _gate = new();
    private readonly Family _up, _healthy, _restarts, _cpu, _memory, _memoryLimit, _rx, _tx, _blockRead, _blockWrite, _sampled, _nodeUp;

    public ContainerMetrics(CollectorRegistry registry, StateMirror mirror)
    {
        _mirror = mirror;
        var factory = Prometheus.Metrics.WithCustomRegistry(registry);
        Family Gauge(string name, string help, string[]? labels = null) => new(factory.CreateGauge(name, help, labels ?? Labels));
        Family Counter(string name, string help) => new(factory.CreateCounter(name, help, Labels));

        _up = Gauge("pnx_container_up", "1 when the container is running, 0 when it exists but is not.");
        _healthy = Gauge("pnx_container_healthy", "1 when the container's health check passes, 0 when it fails or is starting; absent without a health check.");
        _restarts = Counter("pnx_container_restarts_total", "Restarts of the container by the engine's restart policy.");
        _cpu = Counter("pnx_container_cpu_seconds_total", "CPU time used since the container started (sampled every Engine:StatsInterval).");
        _memory = Gauge("pnx_container_memory_working_set_bytes", "Memory used without the inactive page cache, as docker stats shows it.");
        _memoryLimit = Gauge("pnx_container_memory_limit_bytes", "The container's memory limit.");
        _rx = Counter("pnx_container_network_receive_bytes_total", "Bytes received, summed over the container's interfaces.");
        _tx = Counter("pnx_container_network_transmit_bytes_total", "Bytes sent, summed over the container's interfaces.");
        _blockRead = Counter("pnx_container_block_read_bytes_total", "Bytes read from block devices.");
        _blockWrite = Counter("pnx_container_block_write_bytes_total", "Bytes written to block devices.");
        _sampled = Gauge("pnx_container_stats_sampled_timestamp_seconds", "When the container's stats were sampled (Unix time): their age.");
        _nodeUp = Gauge("pnx_node_up", "1 when the node's engine is reachable (online or degraded), 0 otherwise.", ["node"]);
        registry.AddBeforeCollectCallback(Collect);
    }

    private void Collect()
    {
        lock (_gate)
        {
            foreach (var node in _mirror.Nodes)
            {
                var nodeId = node.NodeId.ToString();
                _nodeUp.Set([nodeId], node.Status is NodeStatus.Online or NodeStatus.Degraded ? 1 : 0);
                foreach (var container in node.Containers.Values)
                {
                    string[] labels = [container.ClientId.ToString(), container.ServiceId.ToString(), nodeId, container.Name];
                    _up.Set(labels, container.Running ? 1 : 0);
                    _restarts.Set(labels, container.RestartCount);
                    if (container.Health is { } health)
                    {
                        _healthy.Set(labels, health == "healthy" ? 1 : 0);
                    }

                    if (!container.Running || !node.Stats.TryGetValue(container.Id, out var stats))
                    {
                        continue;
                    }

                    _cpu.Set(labels, stats.CpuUsageNanoseconds / 1e9);
                    _memory.Set(labels, stats.MemoryBytes);
                    _memoryLimit.Set(labels, stats.MemoryLimitBytes);
                    _rx.Set(labels, stats.NetworkRxBytes);
                    _tx.Set(labels, stats.NetworkTxBytes);
                    _blockRead.Set(labels, stats.BlockReadBytes);
                    _blockWrite.Set(labels, stats.BlockWriteBytes);
                    _sampled.Set(labels, stats.SampledAt.ToUnixTimeMilliseconds() / 1000.0);
                }
            }

            foreach (var family in (Family[])[_up, _healthy, _restarts, _cpu, _memory, _memoryLimit, _rx, _tx, _blockRead, _blockWrite, _sampled, _nodeUp])
            {
                family.RemoveUnseen();
            }
        }
    }

    /// <summary>One metric family whose series are rebuilt from the mirror each scrape; what was not set this time is removed.</summary>
    private sealed class Family
    {
        private readonly Gauge? _gauge;
        private readonly Counter? _counter;
        private HashSet<string[]> _seen = new(LabelComparer.Instance);
        private HashSet<string[]> _previous = new(LabelComparer.Instance);

        public Family(Gauge gauge) => _gauge = gauge;

        public Family(Counter counter) => _counter = counter;

        public void Set(string[] labels, double value)
        {
            _seen.Add(labels);
            if (_gauge is not null)
            {
                _gauge.WithLabels(labels).Set(value);
                return;
            }

            // A counter that went down was reset (the container restarted under the same id): start
            // its series again, which Prometheus' rate() reads as a reset.
            var child = _counter!.WithLabels(labels);
            if (value < child.Value)
            {
                _counter.RemoveLabelled(labels);
                child = _counter.WithLabels(labels);
            }

            child.IncTo(value);
        }

        public void RemoveUnseen()
        {
            foreach (var labels in _previous)
            {
                if (!_seen.Contains(labels))
                {
                    if (_gauge is not null)
                    {
                        _gauge.RemoveLabelled(labels);
                    }
                    else
                    {
                        _counter!.RemoveLabelled(labels);
                    }
                }
            }

            (_previous, _seen) = (_seen, _previous);
            _seen.Clear();
        }
    }

    private sealed class LabelComparer : IEqualityComparer<string[]>
    {
        public static readonly LabelComparer Instance = new();

        public bool Equals(string[]? x, string[]? y) => x is not null && y is not null && x.AsSpan().SequenceEqual(y);

        public int GetHashCode(string[] labels)
        {
            var hash = default(HashCode);
            foreach (var label in labels)
            {
                hash.Add(label, StringComparer.Ordinal);
            }

            return hash.ToHashCode();
        }
    }
}
