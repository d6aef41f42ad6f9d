namespace PrivateNexus.Server.Engine;

/// <summary>
/// A hosted service that hears every change of the state mirror (<see cref="StateMirror.Changed"/>,
/// raised on the writer's thread with the node before and after) while the server runs.
/// </summary>
public abstract class MirrorWatcher(StateMirror mirror) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        mirror.Changed += OnChanged;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        mirror.Changed -= OnChanged;
        return Task.CompletedTask;
    }

    internal abstract void OnChanged(NodeSnapshot before, NodeSnapshot after);
}
