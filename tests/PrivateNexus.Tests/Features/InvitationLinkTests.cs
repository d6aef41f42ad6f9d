using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using PrivateNexus.Server.Features.Users;
using PrivateNexus.Server.Hosting;
using PrivateNexus.Tests.Infrastructure;

namespace PrivateNexus.Tests.Features;

/// <summary>Where an invitation link points: the configured public address first, the request's own otherwise.</summary>
public sealed class InvitationLinkTests(SqliteApp app)
{
    [Fact]
    public async Task The_configured_public_address_wins_over_the_request_s_host()
    {
        var link = await LinkAsync(new Uri("https://nexus.example.test/"), Request("http", "10.0.0.5:8080"));
        Assert.StartsWith("https://nexus.example.test/account/set-password?user=", link, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_one_the_link_uses_the_address_the_request_came_in_on()
    {
        var link = await LinkAsync(null, Request("https", "admin.example.test:8443"));
        Assert.StartsWith("https://admin.example.test:8443/account/set-password?user=", link, StringComparison.Ordinal);
    }

    private async Task<string> LinkAsync(Uri? publicUrl, HttpContext request)
    {
        using var scope = app.Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<User>>();
        var admin = (await users.FindByEmailAsync(PnxApp.AdminEmail))!;
        var links = new InvitationLinks(users, new HttpContextAccessor { HttpContext = request }, Microsoft.Extensions.Options.Options.Create(new PnxOptions { PublicUrl = publicUrl }));
        return await links.CreateAsync(admin);
    }

    private static DefaultHttpContext Request(string scheme, string host)
    {
        var context = new DefaultHttpContext();
        context.Request.Scheme = scheme;
        context.Request.Host = new HostString(host);
        return context;
    }
}
