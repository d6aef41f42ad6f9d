using System.Net.Sockets;

namespace PrivateNexus.Tests.Infrastructure;

/// <summary>
/// A unix-socket relay in front of the test Docker engine. Stopping it cuts every connection and
/// refuses new ones — to the server, exactly what an engine going away looks like — without
/// disturbing the engine the other tests use. Starting it again on the same path brings it back.
/// </summary>
public sealed class UnixSocketRelay(string path, string target) : IAsyncDisposable
{
    private readonly List<Socket> _open = [];
    private readonly Lock _gate = new();
    private Socket? _listener;
    private Task? _accepting;
    private CancellationTokenSource? _stop;

    public string Endpoint => $"unix://{path}";

    public void Start()
    {
        File.Delete(path);
        _stop = new CancellationTokenSource();
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(new UnixDomainSocketEndPoint(path));
        _listener.Listen(64);
        _accepting = AcceptAsync(_listener, _stop.Token);
    }

    public async Task StopAsync()
    {
        if (_stop is null)
        {
            return;
        }

        await _stop.CancelAsync();
        _listener!.Dispose();
        lock (_gate)
        {
            foreach (var socket in _open)
            {
                socket.Dispose();
            }

            _open.Clear();
        }

        await _accepting!.ContinueWith(_ => { }, TaskScheduler.Default);
        _stop.Dispose();
        _stop = null;
        File.Delete(path);
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private async Task AcceptAsync(Socket listener, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var inbound = await listener.AcceptAsync(cancellationToken);
            var outbound = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await outbound.ConnectAsync(new UnixDomainSocketEndPoint(target), cancellationToken);
            lock (_gate)
            {
                _open.Add(inbound);
                _open.Add(outbound);
            }

            _ = PumpAsync(inbound, outbound, cancellationToken);
            _ = PumpAsync(outbound, inbound, cancellationToken);
        }
    }

    private static async Task PumpAsync(Socket from, Socket to, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, cancellationToken);
                if (read == 0)
                {
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }

                await to.SendAsync(buffer.AsMemory(0, read), cancellationToken);
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            from.Dispose();
            to.Dispose();
        }
    }
}
