namespace PrivateNexus.Server.Features.Deployments;

/// <summary>What a change asked the engine to do.</summary>
public enum DeploymentKind
{
    Create,
    Update,
    Rollback,
    Start,
    Stop,
    Restart,

    /// <summary>Written by the reconciler when a new revision never became healthy.</summary>
    AutoRollback,
}

public enum DeploymentStatus
{
    /// <summary>Written; the reconciler has not acted yet.</summary>
    Pending,
    InProgress,
    Succeeded,

    /// <summary>Did not converge within the rollout timeout (and there was nothing to roll back to).</summary>
    Failed,

    /// <summary>The new revision never became healthy; the previous one was restored.</summary>
    RolledBack,

    /// <summary>A newer change to the same service took over before this one finished.</summary>
    Superseded,
}

/// <summary>One change of a service on its way to the engine, with its progress and outcome.</summary>
public sealed class Deployment
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    public Guid ServiceId { get; set; }

    public Guid ClientId { get; set; }

    public DeploymentKind Kind { get; set; }

    /// <summary>The service revision this deployment converges to.</summary>
    public int Revision { get; set; }

    public int RestartGeneration { get; set; }

    public DeploymentStatus Status { get; set; }

    /// <summary>The latest progress line (e.g. image pull status), overwritten as it moves.</summary>
    public string? Progress { get; set; }

    /// <summary>What happened, in order (JSON list of time + message).</summary>
    public List<DeploymentStep> Steps { get; set; } = [];

    public string? Error { get; set; }

    public string? CreatedBy { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? StartedAt { get; set; }

    public DateTimeOffset? FinishedAt { get; set; }

    public bool IsOpen => Status is DeploymentStatus.Pending or DeploymentStatus.InProgress;
}

public sealed record DeploymentStep(DateTimeOffset Time, string Message);
