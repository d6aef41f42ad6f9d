using System.Collections.Immutable;
using Bunit;
using MudBlazor.Services;
using PrivateNexus.Server.Dashboard;
using PrivateNexus.Server.Dashboard.Shared;
using PrivateNexus.Server.Engine;
using PrivateNexus.Server.Features.Alerts;
using PrivateNexus.Server.Features.Deployments;
using PrivateNexus.Server.Features.Services;

namespace PrivateNexus.Tests.Dashboard;

/// <summary>Components alone (bUnit): what they say in the states that are easy to get wrong.</summary>
public sealed class ComponentTests : BunitContext
{
    public ComponentTests()
    {
        Services.AddMudServices();
        JSInterop.Mode = JSRuntimeMode.Loose;
    }

    [Fact]
    public void A_deployment_in_progress_shows_progress_and_a_failed_one_its_error()
    {
        var now = DateTimeOffset.UtcNow;
        var list = Render<DeploymentList>(p => p.Add(d => d.Deployments, [
            new Deployment { Kind = DeploymentKind.Update, Revision = 3, Status = DeploymentStatus.InProgress, Progress = "1 of 2 replicas healthy", CreatedAt = now, CreatedBy = "ann" },
            new Deployment { Kind = DeploymentKind.Create, Revision = 1, Status = DeploymentStatus.Failed, Error = "image not found", CreatedAt = now.AddMinutes(-5) },
        ]));

        Assert.Contains("1 of 2 replicas healthy", list.Markup, StringComparison.Ordinal);
        Assert.Contains("image not found", list.Markup, StringComparison.Ordinal);
        Assert.Equal(["InProgress", "Failed"], list.FindAll("[data-testid=deployment-status]").Select(e => e.TextContent));
        Assert.Single(list.FindAll(".mud-progress-linear"));
    }

    [Fact]
    public void An_offline_node_is_explained_with_the_time_it_was_last_seen()
    {
        var lastSeen = new DateTimeOffset(2026, 11, 29, 10, 42, 0, TimeSpan.Zero);
        var state = new NodeSnapshot(Guid.NewGuid(), NodeStatus.Offline, lastSeen, "connection refused", null, ImmutableDictionary<string, ContainerState>.Empty);
        var service = new Service { Name = "web", Image = "app:1", Spec = new ServiceSpec { Image = "app:1" } };
        var view = new ServiceView(service, ServiceStatus.Unknown, [], [], "docker-2", state);

        Assert.Equal("The node docker-2 is offline since 2026-11-29 10:42 UTC; the status shown is the last one known.", view.NodeProblem);
        Assert.Equal("Node docker-2 offline since 2026-11-29 10:42 UTC (connection refused)", NodeText.Describe("docker-2", state, drained: false));

        var instances = Render<InstanceList>(p => p.Add(i => i.View, view));
        Assert.Contains("Nothing runs yet", instances.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void A_status_chip_says_the_status_in_words_and_as_data()
    {
        var chip = Render<StatusChip>(p => p.Add(c => c.Status, ServiceStatus.Failing));
        var element = chip.Find("[data-testid=service-status]");
        Assert.Equal("Failing", element.GetAttribute("data-status"));
        Assert.Contains("Failing", element.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void A_firing_alert_on_the_home_page_says_its_severity_rule_and_since_when_and_links_to_its_target()
    {
        var now = new DateTimeOffset(2026, 11, 29, 11, 5, 0, TimeSpan.Zero);
        var serviceId = Guid.NewGuid();
        var alert = new Alert
        {
            Fingerprint = "f",
            Kind = AlertKind.RestartLoop,
            Severity = AlertSeverity.Critical,
            State = AlertState.Firing,
            TargetType = AlertTargetType.Service,
            TargetId = serviceId,
            TargetName = "acme/web",
            ActiveAt = now.AddMinutes(-30),
            StartsAt = new DateTimeOffset(2026, 11, 29, 10, 42, 0, TimeSpan.Zero),
            Summary = "Service acme/web restarted 4 time(s) in the last 5m (threshold 3).",
        };
        var item = AlertAttentionSource.Item(alert, "web restarts", now, staff: false);
        var section = Render<AttentionSectionCard>(p => p.Add(c => c.Section, new AttentionSection("Firing alerts", [item], null)));

        var element = section.Find("[data-testid=attention-item]");
        Assert.Equal("Critical", element.GetAttribute("data-level"));
        Assert.Contains("mud-alert-text-error", element.ClassName, StringComparison.Ordinal);
        Assert.Equal($"/app/services/{serviceId}", section.Find("a").GetAttribute("href"));
        Assert.Equal("web restarts: acme/web", section.Find("a").TextContent.Trim());
        Assert.Contains("Critical, firing since 10:42 UTC. Service acme/web restarted 4 time(s)", element.TextContent, StringComparison.Ordinal);

        // Another day's is dated; a client's alert opens the client for staff, its services for the client's people.
        Assert.Equal("2026-11-28 23:59 UTC", AlertAttentionSource.Since(new DateTimeOffset(2026, 11, 29, 0, 59, 0, TimeSpan.FromHours(1)), now));
        var quota = new Alert { Fingerprint = "q", Kind = AlertKind.QuotaNearlyUsed, TargetType = AlertTargetType.Client, TargetId = serviceId, TargetName = "acme", ActiveAt = now };
        Assert.Equal($"/app/clients/{serviceId}", AlertAttentionSource.Item(quota, null, now, staff: true).Href);
        Assert.Equal($"/app/services?client={serviceId}", AlertAttentionSource.Item(quota, null, now, staff: false).Href);
        Assert.Equal(AttentionLevel.Info, AlertAttentionSource.Item(quota, null, now, staff: false).Level);
    }
}
