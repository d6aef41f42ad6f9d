using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using PrivateNexus.Server.Dashboard;
using PrivateNexus.Server.Dashboard.Shared;
using PrivateNexus.Server.Features.Clients;
using PrivateNexus.Server.Features.Services;

namespace PrivateNexus.Tests.Dashboard;

/// <summary>The deploy form alone (bUnit): the policy preview and the server's refusals land on their fields.</summary>
public sealed class ServiceFormTests : BunitContext
{
    private static readonly Client Strict = new()
    {
        Name = "Strict",
        Slug = "strict",
        ImagePolicy = ["pnx-test/*"],
        Quota = new ClientQuota { CpuMillicores = 1000, MemoryMiB = 512, Services = 5 },
    };

    public ServiceFormTests()
    {
        Services.AddMudServices();
        JSInterop.Mode = JSRuntimeMode.Loose;
    }

    [Fact]
    public void An_image_outside_the_client_policy_is_refused_on_the_image_field_before_submitting()
    {
        var submitted = false;
        var model = new ServiceFormModel { ClientId = Guid.NewGuid(), Name = "web" };
        var form = Render<ServiceForm>(p => p
            .Add(f => f.Model, model)
            .Add(f => f.LoadPolicy, _ => Task.FromResult<(Client?, IReadOnlyList<ServiceSpec>)>((Strict, [])))
            .Add(f => f.OnSubmit, EventCallback.Factory.Create(this, () => submitted = true)));

        form.Find("#service-image").Input("docker.io/evil/miner:1");
        form.Find("[data-testid=service-submit]").Click();

        Assert.False(submitted);
        Assert.Contains("is not allowed by the client's image policy", form.Markup, StringComparison.Ordinal);
    }
}
