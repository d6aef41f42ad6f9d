using System.Diagnostics;
using PrivateNexus.Server.Hosting;

namespace PrivateNexus.Server.Engine;

/// <summary>
/// The scope of one Docker engine call (<see cref="EngineCalls"/>): its time-bounded cancellation
/// token and, when tracing is on, its span (<c>docker InspectAsync</c>, tagged with the node).
/// </summary>
internal sealed class EngineCall : IDisposable
{
    private readonly CancellationTokenSource _source;
    private readonly Activity? _activity;

    public EngineCall(CancellationTokenSource source, string operation, Guid nodeId)
    {
        _source = source;
        _activity = Telemetry.Engine.StartActivity($"docker {operation}", ActivityKind.Client);
        _activity?.SetTag("privatenexus.node.id", nodeId.ToString());
    }

    public CancellationToken Token => _source.Token;

    public bool IsCancellationRequested => _source.IsCancellationRequested;

    public void Dispose()
    {
        if (_activity is not null && _source.IsCancellationRequested)
        {
            _activity.SetStatus(ActivityStatusCode.Error, "cancelled or timed out");
        }

        _activity?.Dispose();
        _source.Dispose();
    }
}
