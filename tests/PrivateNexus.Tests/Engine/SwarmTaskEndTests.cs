using Docker.DotNet.Models;
using PrivateNexus.Server.Engine;

namespace PrivateNexus.Tests.Engine;

/// <summary>
/// How an ended task container's end is read from its Swarm task (no engine needed), in the states the
/// test engine reports right at the container's "die" and afterwards.
/// </summary>
public sealed class SwarmTaskEndTests
{
    [Theory]
    [InlineData(TaskState.Running, TaskState.Running, SwarmTaskEnd.OnItsOwn)] // exited or killed, read at its "die"
    [InlineData(TaskState.Running, TaskState.Failed, SwarmTaskEnd.OnItsOwn)]
    [InlineData(TaskState.Shutdown, TaskState.Failed, SwarmTaskEnd.OnItsOwn)] // read later: Swarm has replaced it
    [InlineData(TaskState.Shutdown, TaskState.Complete, SwarmTaskEnd.OnItsOwn)] // exit 0, replaced under restart condition "any"
    [InlineData(TaskState.Remove, TaskState.Running, SwarmTaskEnd.BySwarm)] // scaled down or stopped, read at its "die"
    [InlineData(TaskState.Remove, TaskState.Shutdown, SwarmTaskEnd.BySwarm)]
    [InlineData(TaskState.Shutdown, TaskState.Running, SwarmTaskEnd.BySwarm)] // rolled out, read at its "die"
    [InlineData(TaskState.Shutdown, TaskState.Shutdown, SwarmTaskEnd.BySwarm)]
    [InlineData(null, null, null)]
    public void A_task_ended_on_its_own_unless_swarm_wanted_it_shut_down_first(TaskState? desired, TaskState? status, SwarmTaskEnd? expected) =>
        Assert.Equal(expected, EngineCalls.TaskEnd(desired, status));
}
