using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace PrivateNexus.Tests.Realtime;

/// <summary>
/// A redis-server of one fixture's own (the binary test-env.sh installed, PNX_TEST_REDIS_SERVER), on a
/// free loopback port, so a test can stop and restart it without disturbing the shared test Redis.
/// </summary>
public sealed class PrivateRedis : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "pnx-tests", "redis-" + Guid.NewGuid().ToString("N")[..8]);
    private Process? _process;

    public static string? ServerBinary => Environment.GetEnvironmentVariable("PNX_TEST_REDIS_SERVER");

    public int Port { get; } = FreePort();

    public string Url => $"redis://127.0.0.1:{Port}";

    /// <summary>Starts (or restarts, on the same port) and waits until it accepts connections.</summary>
    public async Task StartAsync()
    {
        Directory.CreateDirectory(_dir);
        _process = Process.Start(new ProcessStartInfo(ServerBinary ?? throw new InvalidOperationException("PNX_TEST_REDIS_SERVER is not set"))
        {
            ArgumentList = { "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", _dir },
            RedirectStandardOutput = true,
            UseShellExecute = false,
        })!;
        _process.OutputDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        for (var i = 0; i < 100; i++)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }

        throw new InvalidOperationException($"redis-server did not listen on {Port}");
    }

    public void Stop()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }

        _process?.Dispose();
        _process = null;
    }

    public void Dispose() => Stop();

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
