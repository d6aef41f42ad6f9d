using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using MudBlazor.Services;
using PrivateNexus.Server.Dashboard.SignIn;
using PrivateNexus.Server.Identity;

namespace PrivateNexus.Server.Dashboard;

/// <summary>
/// The web dashboard: Blazor Server components (MudBlazor) under <see cref="BasePath"/>, served by the
/// same host as the API. Its pages call the same feature services as GraphQL (see
/// <see cref="DashboardCaller"/>), so the rulebook decides for both channels alike.
/// </summary>
public static class DashboardSetup
{
    public const string BasePath = "/app";

    /// <summary>The dashboard's own session cookie, obtained through the server's OAuth code flow (<see cref="DashboardSignInEndpoints"/>).</summary>
    public const string CookieScheme = "pnx.dashboard";

    public static WebApplicationBuilder AddPnxDashboard(this WebApplicationBuilder builder)
    {
        // Blazor's script and MudBlazor's files come from packages: a build (and the tests) serves them
        // from where the static-web-assets manifest says, in every environment; a published server has
        // them under wwwroot, where this finds no manifest and changes nothing.
        builder.WebHost.UseStaticWebAssets();
        var services = builder.Services;
        services.AddRazorComponents().AddInteractiveServerComponents(o => o.DetailedErrors = false);
        // Confirmations go bottom-left, where they cover no page action (the actions sit top-right).
        services.AddMudServices(o =>
        {
            o.SnackbarConfiguration.PositionClass = MudBlazor.Defaults.Classes.Position.BottomLeft;
            o.SnackbarConfiguration.VisibleStateDuration = 4000;
        });
        services.AddCascadingAuthenticationState();
        services.AddHttpClient(DashboardSignInEndpoints.BackChannel)
            .ConfigurePrimaryHttpMessageHandler(() => new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false });

        services.AddAuthentication().AddCookie(CookieScheme, o =>
        {
            o.Cookie.Name = "pnx.dashboard";
            o.Cookie.SameSite = SameSiteMode.Lax;
            o.Cookie.HttpOnly = true;
            o.Cookie.Path = "/";
            o.LoginPath = DashboardSignInEndpoints.SignInPath;
            o.AccessDeniedPath = DashboardSignInEndpoints.SignInPath;
            o.ExpireTimeSpan = TimeSpan.FromHours(8);
            o.SlidingExpiration = true;
            o.Events.OnValidatePrincipal = DashboardSessionCheck.RejectInactiveAccountAsync;
        });

        // The API's policy scheme picks a credential per request; the dashboard's pages and its
        // circuit (/_blazor) authenticate with the dashboard cookie instead of the sign-in pages' one.
        services.PostConfigure<PolicySchemeOptions>(IdentitySetup.PolicyScheme, o =>
        {
            var api = o.ForwardDefaultSelector;
            o.ForwardDefaultSelector = context => IsDashboardRequest(context) ? CookieScheme : api?.Invoke(context);
        });

        services.AddSingleton<DashboardOAuthClient>();
        services.AddScoped<DashboardCaller>();
        return builder;
    }

    public static WebApplication MapPnxDashboard(this WebApplication app)
    {
        app.MapStaticAssets();
        app.MapDashboardSignIn();
        app.MapRazorComponents<Components.App>()
            .AddInteractiveServerRenderMode()
            .RequireAuthorization(new Microsoft.AspNetCore.Authorization.AuthorizeAttribute { AuthenticationSchemes = CookieScheme });
        app.MapGet("/", () => Results.Redirect(BasePath)).ExcludeFromDescription();
        return app;
    }

    private static bool IsDashboardRequest(HttpContext context) =>
        !context.Request.Headers.ContainsKey("Authorization")
        && (context.Request.Path.StartsWithSegments(BasePath) || context.Request.Path.StartsWithSegments("/_blazor"));
}
