using StackExchange.Redis;

namespace PrivateNexus.Server.Events;

/// <summary>
/// The one connection to Redis (StackExchange.Redis multiplexes everything over it). Created without
/// waiting for Redis: a server whose Redis is down starts anyway, serves from its local bus and
/// cache, and the multiplexer reconnects by itself when Redis returns.
/// </summary>
public sealed class RedisConnection : IDisposable
{
    private readonly Lazy<ConnectionMultiplexer> _multiplexer;

    public RedisConnection(string url, ILogger<RedisConnection> logger)
    {
        Options = ToConfiguration(url);
        _multiplexer = new(() =>
        {
            var multiplexer = ConnectionMultiplexer.Connect(Options);
            multiplexer.ConnectionFailed += (_, e) => logger.LogWarning(
                "Redis connection lost ({Failure}): serving from this replica's own bus and cache until it returns", e.FailureType);
            multiplexer.ConnectionRestored += (_, _) => logger.LogInformation("Redis connection restored");
            if (!multiplexer.IsConnected)
            {
                logger.LogWarning("Redis is not reachable yet; this replica works on its own until it is");
            }

            return multiplexer;
        });
    }

    public ConfigurationOptions Options { get; }

    public ConnectionMultiplexer Multiplexer => _multiplexer.Value;

    public bool IsConnected => _multiplexer.IsValueCreated && _multiplexer.Value.IsConnected;

    public void Dispose()
    {
        if (_multiplexer.IsValueCreated)
        {
            _multiplexer.Value.Dispose();
        }
    }

    /// <summary>Accepts <c>redis://[user:password@]host[:port][/db]</c> (or <c>rediss://</c> for TLS) or a StackExchange.Redis configuration string.</summary>
    public static ConfigurationOptions ToConfiguration(string url)
    {
        ConfigurationOptions options;
        if (url.StartsWith("redis://", StringComparison.OrdinalIgnoreCase) || url.StartsWith("rediss://", StringComparison.OrdinalIgnoreCase))
        {
            var uri = new Uri(url);
            options = new ConfigurationOptions { Ssl = uri.Scheme.Equals("rediss", StringComparison.OrdinalIgnoreCase) };
            options.EndPoints.Add(uri.Host, uri.IsDefaultPort || uri.Port <= 0 ? 6379 : uri.Port);
            if (!string.IsNullOrEmpty(uri.UserInfo))
            {
                var parts = uri.UserInfo.Split(':', 2);
                if (parts.Length == 2)
                {
                    options.User = parts[0].Length > 0 ? Uri.UnescapeDataString(parts[0]) : null;
                    options.Password = Uri.UnescapeDataString(parts[1]);
                }
                else
                {
                    options.Password = Uri.UnescapeDataString(parts[0]);
                }
            }

            if (int.TryParse(uri.AbsolutePath.Trim('/'), out var database))
            {
                options.DefaultDatabase = database;
            }
        }
        else
        {
            options = ConfigurationOptions.Parse(url);
        }

        // Start even when Redis is down, and keep retrying: Redis is an accelerator, not a dependency.
        options.AbortOnConnectFail = false;
        options.ConnectTimeout = 3000;
        options.ConnectRetry = 1;

        // While disconnected, fail at once instead of queueing: callers (bus, cache, rate limits) fall back to local.
        options.BacklogPolicy = BacklogPolicy.FailFast;
        options.ClientName ??= "privatenexus";
        return options;
    }
}
