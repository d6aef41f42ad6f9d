using System.Collections.Immutable;
using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Logging.Abstractions;
using PrivateNexus.Server.Engine;
using PrivateNexus.Server.Events;
using PrivateNexus.Server.GraphQL.WebSockets;

namespace PrivateNexus.Tests.Unit;

/// <summary>The bus's contract at its seam (the Redis transport replaced by a recording fake): delivery, filtering, bounds.</summary>
public sealed class EventBusTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_subscription_receives_only_what_its_filter_matches_in_order()
    {
        using var bus = new EventBus(NullLogger<EventBus>.Instance);
        var wanted = Guid.NewGuid();
        using var subscription = bus.Subscribe(e => e is NodeChanged n && n.NodeId == wanted);
        bus.Publish(new NodeChanged(Guid.NewGuid()));
        bus.Publish(new NodeChanged(wanted));
        bus.Publish(new AuditEventAdded(Guid.NewGuid(), null));
        bus.Publish(new NodeChanged(wanted));

        Assert.Equal(new NodeChanged(wanted), await subscription.Reader.ReadAsync(Ct));
        Assert.Equal(new NodeChanged(wanted), await subscription.Reader.ReadAsync(Ct));
        Assert.False(subscription.Reader.TryRead(out _));
    }

    [Fact]
    public async Task A_subscriber_a_whole_queue_behind_is_ended_with_a_clear_error_and_others_are_unaffected()
    {
        using var bus = new EventBus(NullLogger<EventBus>.Instance);
        using var slow = bus.Subscribe(_ => true, capacity: 4);
        using var fast = bus.Subscribe(_ => true, capacity: 100);
        for (var i = 0; i < 10; i++)
        {
            bus.Publish(new BusProbe(i, 0));
        }

        for (var i = 0; i < 4; i++)
        {
            Assert.IsType<BusProbe>(await slow.Reader.ReadAsync(Ct));
        }

        var ended = await Assert.ThrowsAsync<ChannelClosedException>(async () => await slow.Reader.ReadAsync(Ct));
        Assert.IsType<SlowSubscriberException>(ended.InnerException);
        Assert.Equal(1, bus.SubscriptionCount);
        Assert.Equal(1, bus.Dropped); // the event that found it full; it was gone for the rest
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(i, ((BusProbe)await fast.Reader.ReadAsync(Ct)).Sequence);
        }
    }

    [Fact]
    public void Cluster_events_go_to_the_transport_and_replica_events_do_not_and_remote_ones_are_delivered_locally()
    {
        var transport = new RecordingTransport();
        using var bus = new EventBus(NullLogger<EventBus>.Instance, transport);
        var heard = new List<PnxEvent>();
        using var listener = bus.Listen(heard.Add);

        bus.Publish(new AuditEventAdded(Guid.NewGuid(), null));
        bus.Publish(new NodeChanged(Guid.NewGuid()), EventReach.ThisReplica);
        var remote = new DeploymentChanged(Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        transport.Receive!(remote);

        Assert.IsType<AuditEventAdded>(Assert.Single(transport.Sent));
        Assert.Equal(3, heard.Count);
        Assert.Same(remote, heard[2]);
    }

    [Fact]
    public void The_mirror_publisher_names_each_changed_service_once_and_ignores_a_resync_that_changed_nothing()
    {
        using var bus = new EventBus(NullLogger<EventBus>.Instance);
        var heard = new List<PnxEvent>();
        using var listener = bus.Listen(heard.Add);
        var publisher = new MirrorPublisher(new StateMirror(), bus);
        var node = Guid.NewGuid();
        var (service, client) = (Guid.NewGuid(), Guid.NewGuid());
        var running = Container("c1", service, client, "running");
        var before = NodeSnapshot.Empty(node) with { Status = NodeStatus.Online, Containers = ImmutableDictionary<string, ContainerState>.Empty.Add("c1", running) };

        // A resync rebuilds an equal record (new list instance): nothing to tell.
        publisher.OnChanged(before, before with { Containers = before.Containers.SetItem("c1", running with { Ports = [.. running.Ports] }) });
        Assert.Empty(heard);

        publisher.OnChanged(before, before with { Containers = before.Containers.SetItem("c1", running with { State = "exited", ExitCode = 137 }) });
        Assert.Equal(new ServiceChanged(service, client), Assert.Single(heard));

        heard.Clear();
        publisher.OnChanged(before, before with { Status = NodeStatus.Offline });
        Assert.Contains(new NodeChanged(node), heard);
        Assert.Contains(new ServiceChanged(service, client), heard);
    }

    [Theory]
    [InlineData("""{"type":"subscribe","id":"1","payload":{"query":"{ a }","variables":{"x":1},"operationName":"Q"}}""", "subscribe", "1")]
    [InlineData("""{"type":"complete","id":"abc"}""", "complete", "abc")]
    [InlineData("""{"type":"connection_init"}""", "connection_init", null)]
    [InlineData("""{"type":"ping","payload":{"t":1}}""", "ping", null)]
    public void Well_formed_client_messages_parse(string json, string type, string? id)
    {
        var message = ClientMessage.Parse(Encoding.UTF8.GetBytes(json), new GraphQL.SystemTextJson.GraphQLSerializer());
        Assert.Equal(type, message.Type);
        Assert.Equal(id, message.Id);
    }

    private static ContainerState Container(string id, Guid service, Guid client, string state) =>
        new(id, "pnx-" + id, service, client, 1, 0, 0, state, null, 0, 0, null, "img", [new PublishedPort(80, 10080, "tcp")]);

    private sealed class RecordingTransport : IEventTransport
    {
        public List<PnxEvent> Sent { get; } = [];

        public Action<PnxEvent>? Receive { get; private set; }

        public bool Connected => true;

        public void Send(PnxEvent message) => Sent.Add(message);

        public void Attach(Action<PnxEvent> receive) => Receive = receive;
    }
}
