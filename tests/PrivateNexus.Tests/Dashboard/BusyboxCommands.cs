namespace PrivateNexus.Tests.Dashboard;

/// <summary>
/// Commands for the busybox test image that end at once on SIGTERM: a shell as PID 1 ignores it
/// unless it traps it, and then every stop or replacement would wait out the engine's stop grace.
/// </summary>
public static class BusyboxCommands
{
    /// <summary>Runs until stopped, printing nothing.</summary>
    public static readonly string[] Idle = ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"];

    /// <summary>Every second two numbered lines, "tick-N" and "tock-N", so a search can tell them apart and a follower can tell old from new.</summary>
    public static readonly string[] TickTock = ["sh", "-c", "trap 'exit 0' TERM; i=0; while true; do i=$((i+1)); echo tick-$i; echo tock-$i; sleep 1; done"];
}
