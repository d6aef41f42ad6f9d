using PrivateNexus.Server.Authorization;
using PrivateNexus.Server.Dashboard;
using PrivateNexus.Server.Data;
using PrivateNexus.Server.Engine;
using PrivateNexus.Server.Events;
using PrivateNexus.Server.Features;
using PrivateNexus.Server.Features.Metrics;
using PrivateNexus.Server.GraphQL;
using PrivateNexus.Server.Hosting;
using PrivateNexus.Server.Identity;

if (HealthProbe.IsProbe(args))
{
    return await HealthProbe.RunAsync(args);
}

var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = HostingSetup.ContentRoot() });
builder.AddPnxHosting();
builder.AddPnxDashboard();
builder.Services
    .AddPnxData()
    .AddRulebook()
    .AddAudit()
    .AddPnxIdentity(builder.Configuration)
    .AddClients()
    .AddUsers()
    .AddNodes()
    .AddServices()
    .AddServiceLogs()
    .AddApiTokens()
    .AddAutomationClients()
    .AddEngine()
    .AddPnxEvents()
    .AddPnxGraphQL()
    .AddPnxHealth()
    .AddPnxMetrics()
    .AddServiceMetrics()
    .AddAlerts()
    .AddRazorPages();

var app = builder.Build();
if (!await app.CheckConfigurationAsync(args))
{
    return ConfigurationCheck.ExitCode;
}

if (Commands.IsCommand(args))
{
    return await Commands.RunAsync(app, args);
}

app.UseForwardedHeaders();
app.UsePnxRequestLogging();
app.UseStatusCodePages();
app.UseStaticFiles();
app.UsePnxWebSockets();
app.UseRouting();
app.UsePnxHttpMetrics();
app.UseRateLimiter();
app.UseAuthentication();
app.UseAuthorization();
app.UseAntiforgery();

app.MapPnxHealth();
app.MapPnxMetrics();
app.MapPnxOAuth();
app.MapPnxGraphQL();
app.MapRazorPages();
app.MapPnxDashboard();

await app.InitializeAsync();
await app.RunAsync();
return 0;

/// <summary>Entry point; public so integration tests can host it.</summary>
public partial class Program;
