using System.Collections.Immutable;
using PrivateNexus.Server.Engine;
using PrivateNexus.Server.Features.Alerts;

namespace PrivateNexus.Tests.Alerts;

/// <summary>
/// What the restart tracker counts, from sequences of state-mirror snapshots as the node agents write
/// them (no engine): the restarts of our own containers, and Swarm's replacements of failed tasks —
/// but not rollouts, restarts asked for, scaling, stops and starts, or what a resync or a first sight
/// of a node shows.
/// </summary>
public sealed class RestartTrackerTests
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(5);
    private static readonly DateTimeOffset Start = new(2026, 11, 29, 8, 0, 0, TimeSpan.Zero);

    private readonly Clock _clock = new();
    private readonly StateMirror _mirror = new();
    private readonly RestartTracker _tracker;
    private readonly Guid _node = Guid.NewGuid();
    private readonly Guid _service = Guid.NewGuid();
    private readonly Guid _client = Guid.NewGuid();

    public RestartTrackerTests()
    {
        _tracker = new RestartTracker(_mirror, _clock);
        _tracker.StartAsync(TestContext.Current.CancellationToken).GetAwaiter().GetResult();
    }

    private int Restarts => _tracker.RestartsWithin(_service, Window);

    /// <summary>A task container of the Swarm service "sw1" (or <paramref name="swarm"/>) in replica <paramref name="replica"/>.</summary>
    private ContainerState Task(string id, int replica, string state, int revision = 1, int generation = 0, SwarmTaskEnd? end = null, string swarm = "sw1") =>
        new(id, $"pnx-acme-web.{replica + 1}.{id}", _service, _client, revision, replica, generation, state, null, state == "exited" ? 1 : 0, 0,
            state == "running" ? Start : null, "pnx-test/busybox:1", [])
        {
            SwarmService = swarm,
            TaskEnd = end,
        };

    private static ContainerState Crashed(ContainerState task) => task with { State = "exited", StartedAt = null, TaskEnd = SwarmTaskEnd.OnItsOwn };

    private static ContainerState ShutDown(ContainerState task) => task with { State = "exited", StartedAt = null, ExitCode = 137, TaskEnd = SwarmTaskEnd.BySwarm };

    /// <summary>The agent's first resync of the node (or the one after an outage): the node online with exactly these containers.</summary>
    private void Resync(params ContainerState[] containers) =>
        _mirror.Update(_node, n => n with
        {
            Status = NodeStatus.Online,
            Containers = ImmutableDictionary.CreateRange(StringComparer.Ordinal, containers.Select(c => KeyValuePair.Create(c.Id, c))),
        });

    /// <summary>What an event (or the reconciler's read-back) does: one container's new state.</summary>
    private void Seen(ContainerState container) => _mirror.Update(_node, n => n with { Containers = n.Containers.SetItem(container.Id, container) });

    private void Gone(string id) => _mirror.Update(_node, n => n with { Containers = n.Containers.Remove(id) });

    private void Offline() => _mirror.Update(_node, n => n with { Status = NodeStatus.Offline, LastError = "connection refused" });

    [Fact]
    public void A_task_that_dies_and_is_replaced_in_its_slot_counts_once_per_replacement_within_the_window()
    {
        var a1 = Task("a1", 0, "running");
        var b1 = Task("b1", 1, "running");
        Resync(a1, b1);

        // Swarm's cycle: the container dies, the replacement is created at once and started after a delay.
        Seen(Crashed(a1));
        Assert.Equal(0, Restarts);
        var a2 = Task("a2", 0, "created");
        Seen(a2);
        Assert.Equal(1, Restarts);
        Seen(a2 with { State = "running", StartedAt = Start.AddSeconds(5) });
        Assert.Equal(1, Restarts);

        // The reconciler removes the ended one once every replica runs; the loop goes on.
        Gone("a1");
        Seen(Crashed(a2));
        Seen(Task("a3", 0, "created"));
        Assert.Equal(2, Restarts);

        // Killed by hand, or failed by Swarm's health check: Swarm's task says "failed" just the same.
        Seen(Crashed(b1) with { ExitCode = 137 });
        Seen(Task("b2", 1, "running"));
        Assert.Equal(3, Restarts);

        _clock.Advance(Window + TimeSpan.FromSeconds(1));
        Assert.Equal(0, Restarts);
        Assert.Equal(3, _tracker.RestartsWithin(_service, Window * 2));
    }

    [Fact]
    public void A_rollout_or_a_restart_asked_for_is_not_a_restart_even_when_the_old_task_had_crashed()
    {
        var a1 = Task("a1", 0, "running");
        Resync(a1);

        // Start-first rolling update: the new revision's task starts, then Swarm shuts the old one down.
        var a2 = Task("a2", 0, "created", revision: 2);
        Seen(a2);
        Seen(a2 with { State = "running", StartedAt = Start });
        Seen(ShutDown(a1));
        Assert.Equal(0, Restarts);

        // A crash just before restartService: the new restart generation's task is no replacement of it.
        Seen(Crashed(a2));
        Seen(Task("a3", 0, "created", revision: 2, generation: 1));
        Assert.Equal(0, Restarts);

        // Swarm rolling a failed revision back: the older revision's task replaces the failed one.
        var a4 = Task("a4", 0, "running", revision: 3);
        Seen(a4);
        Seen(Crashed(a4));
        Seen(Task("a5", 0, "created", revision: 2, generation: 1));
        Assert.Equal(0, Restarts);

        // The swarm service removed and made again (drift): another Swarm service's task.
        Seen(Crashed(Task("a5", 0, "running", revision: 2, generation: 1)));
        Seen(Task("a6", 0, "created", revision: 2, generation: 1, swarm: "sw2"));
        Assert.Equal(0, Restarts);
    }

    [Fact]
    public void A_stop_and_a_start_are_not_restarts_however_they_overlap()
    {
        var a1 = Task("a1", 0, "running");
        var b1 = Task("b1", 1, "running");
        Resync(a1, b1);

        // Scaled to 0: Swarm shuts the tasks down and removes their containers; the start comes later.
        Seen(ShutDown(a1));
        Seen(ShutDown(b1));
        Gone("a1");
        Gone("b1");
        var a2 = Task("a2", 0, "running");
        var b2 = Task("b2", 1, "running");
        Seen(a2);
        Seen(b2);
        Assert.Equal(0, Restarts);

        // Started as soon as the service showed stopped: the stopped containers are still there.
        Seen(ShutDown(a2));
        Seen(ShutDown(b2));
        var a3 = Task("a3", 0, "running");
        Seen(a3);
        Seen(Task("b3", 1, "running"));
        Assert.Equal(0, Restarts);

        // Started again before the stop finished: the new task comes while the old one still runs.
        Seen(Task("a4", 0, "running"));
        Seen(ShutDown(a3));
        Assert.Equal(0, Restarts);
    }

    [Fact]
    public void Scaling_is_not_a_restart_and_a_crash_in_a_slot_s_history_says_nothing_about_its_newest_task()
    {
        var h1 = Crashed(Task("h1", 1, "running"));
        var b2 = Task("b2", 1, "running");
        Resync(Task("a1", 0, "running"), h1, b2);

        // Scaled down by hand (Swarm removes the task), scaled back by the reconciler: the ended task
        // kept from an earlier crash in that slot is history, not what the new task replaces.
        Seen(ShutDown(b2));
        Gone("b2");
        Seen(Task("b3", 1, "running"));
        Assert.Equal(0, Restarts);

        // Scaled up: a slot that had nothing before.
        Seen(Task("c1", 2, "running"));
        Assert.Equal(0, Restarts);
    }

    [Fact]
    public void What_a_first_sight_of_the_node_a_resync_or_a_reconnect_shows_is_not_counted_but_later_replacements_are()
    {
        // The server starts in the middle of a crash loop: the slot's history and its waiting task.
        var h1 = Crashed(Task("h1", 0, "running"));
        var h2 = Crashed(Task("h2", 0, "running"));
        var a3 = Task("a3", 0, "created");
        Resync(h1, h2, a3);
        Assert.Equal(0, Restarts);

        // A periodic resync rebuilds the same containers.
        Resync(h1 with { Ports = [] }, h2, a3 with { Ports = [] });
        Assert.Equal(0, Restarts);

        // The loop goes on: counted.
        Seen(Crashed(a3));
        Seen(Task("a4", 0, "created"));
        Assert.Equal(1, Restarts);

        // An old container read back after the reconciler removed it (a stale read racing the removal) is not new.
        Gone("h1");
        Seen(Crashed(Task("a4", 0, "running")));
        Seen(h1);
        Assert.Equal(1, Restarts);

        // Unreachable for a while: what happened meanwhile arrives at once with the reconnect.
        Offline();
        Resync(h2, Crashed(Task("a4", 0, "running")), Crashed(Task("a5", 0, "running")), Task("a6", 0, "created"));
        Assert.Equal(1, Restarts);

        Seen(Crashed(Task("a6", 0, "running")));
        Seen(Task("a7", 0, "created"));
        Assert.Equal(2, Restarts);
    }

    [Fact]
    public void A_resync_that_caught_up_on_several_replacements_counts_each_and_an_end_swarm_could_not_tell_counts_none()
    {
        var a1 = Task("a1", 0, "running");
        var b1 = Task("b1", 1, "running");
        Resync(a1, b1);
        Seen(Crashed(a1));

        // Events fell behind: the resync finds one replacement that already died and the next one waiting.
        Resync(Crashed(a1), b1, Crashed(Task("a2", 0, "running")), Task("a3", 0, "created"));
        Assert.Equal(2, Restarts);

        // The task could not be read (gone, or the engine no longer a manager): not counted.
        Seen(b1 with { State = "exited", StartedAt = null, TaskEnd = null });
        Seen(Task("b2", 1, "created"));
        Assert.Equal(2, Restarts);
    }

    [Fact]
    public void Our_own_containers_count_a_new_start_time_or_a_higher_engine_restart_count()
    {
        var own = Task("c1", 0, "running") with { SwarmService = null, Name = "pnx-acme-web-0-r1-x" };
        Resync(own);
        Seen(own with { State = "exited", StartedAt = null });
        Seen(own with { StartedAt = Start.AddSeconds(30) });
        Assert.Equal(1, Restarts);

        Seen(own with { StartedAt = Start.AddSeconds(30), RestartCount = 2 });
        Assert.Equal(3, Restarts);
    }

    private sealed class Clock : TimeProvider
    {
        private DateTimeOffset _now = Start;

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
