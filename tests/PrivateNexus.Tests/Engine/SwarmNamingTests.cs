using PrivateNexus.Server.Engine;
using PrivateNexus.Server.Features.Services;

namespace PrivateNexus.Tests.Engine;

/// <summary>Names and replica numbers of Swarm services and their tasks (no engine needed).</summary>
public sealed class SwarmNamingTests
{
    private static DesiredService Service(string slug, string name) =>
        new(Guid.NewGuid(), Guid.NewGuid(), slug, name, 1, 0, new ServiceSpec { Image = "x:1" }, true, RestartPolicy.UnlessStopped);

    [Fact]
    public void A_swarm_service_is_named_after_client_and_service_and_shortened_uniquely_beyond_63_characters()
    {
        Assert.Equal("pnx-acme-web", ContainerSpecBuilder.SwarmServiceName(Service("acme", "web")));

        var slug = new string('a', 60);
        var one = Service(slug, new string('b', 60));
        var other = Service(slug, new string('b', 60));
        var name = ContainerSpecBuilder.SwarmServiceName(one);
        Assert.True(name.Length <= 63, name);
        Assert.EndsWith(one.Id.ToString("N")[..8], name, StringComparison.Ordinal);
        Assert.NotEqual(name, ContainerSpecBuilder.SwarmServiceName(other));
    }

    [Theory]
    [InlineData("pnx-acme-web", "pnx-acme-web.1.abc", 0)]
    [InlineData("pnx-acme-web", "pnx-acme-web.3.abc", 2)]
    [InlineData("pnx-a.b", "pnx-a.b.12.xyz", 11)]
    [InlineData("pnx-acme-web", "other.2.abc", 0)]
    public void A_task_container_s_replica_is_its_slot_less_one(string service, string task, int replica)
    {
        var labels = new Dictionary<string, string> { [SwarmLabels.ServiceName] = service, [SwarmLabels.TaskName] = task };
        Assert.Equal(replica, SwarmLabels.Replica(labels));
    }
}
