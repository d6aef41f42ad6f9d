using System.Collections.Concurrent;
using System.Data.Common;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace PrivateNexus.Tests.Infrastructure;

/// <summary>
/// One running PrivateNexus server (real Kestrel on a loopback port, real database), shared by all
/// tests of an assembly. Tests talk to it over HTTP only, through intent methods
/// (<see cref="SignInAsync"/>, <see cref="AdminAsync"/>, …), never through its services.
/// </summary>
public abstract class PnxApp : IAsyncLifetime
{
    public const string AdminEmail = "admin@example.test";
    public const string AdminPassword = "admin-password-123";
    public const string TestClientId = "pnx-test";
    public const string RedirectUri = "http://127.0.0.1/callback";

    private readonly ConcurrentDictionary<string, Task<GraphQLClient>> _signedIn = new();
    private Factory? _factory;

    public Uri BaseAddress { get; private set; } = null!;

    public string DataDir { get; protected init; } = Path.Combine(Path.GetTempPath(), "pnx-tests", Guid.NewGuid().ToString("N"));

    /// <summary>Counts SQL commands the server runs, for N+1 assertions.</summary>
    public CommandCounter Commands { get; } = new();

    public abstract string Provider { get; }

    protected virtual IDictionary<string, string?> Settings => new Dictionary<string, string?>();

    public virtual async ValueTask InitializeAsync()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Pnx:DataDir"] = DataDir,
            ["Pnx:BootstrapAdminEmail"] = AdminEmail,
            ["Pnx:BootstrapAdminPassword"] = AdminPassword,
            ["Pnx:AuthRequestsPerMinute"] = "100000",
            ["Pnx:PublicClients:0:ClientId"] = TestClientId,
            ["Pnx:PublicClients:0:RedirectUris:0"] = RedirectUri,

            // Only the engine suite runs node agents, against the test Docker engine; other suites' nodes are paper.
            ["Pnx:Engine:Enabled"] = "false",
            ["Pnx:Engine:RegisterLocalNode"] = "false",

            // Sockets: short protocol timers so their tests wait seconds, and room for every parallel suite's admin sockets.
            ["Pnx:Realtime:ConnectionInitTimeout"] = "00:00:02",
            ["Pnx:Realtime:KeepAliveInterval"] = "00:00:02",
            ["Pnx:Realtime:MaxConnectionsPerUser"] = "1000",

            // Alert rules evaluated every second, so a test sees an alert fire within seconds.
            ["Pnx:Alerts:EvaluationInterval"] = "00:00:01",
        };
        foreach (var (key, value) in Settings)
        {
            settings[key] = value;
        }

        _factory = new Factory(settings, Commands);
        _factory.UseKestrel(0);
        _factory.StartServer();
        using var probe = _factory.CreateClient();
        BaseAddress = probe.BaseAddress!;
        await Task.CompletedTask;
    }

    public virtual async ValueTask DisposeAsync()
    {
        if (_factory is not null)
        {
            await _factory.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// Reads one column of one row straight from the database, bypassing the server: only to check
    /// what is stored at rest (e.g. that secrets are encrypted), never to arrange or act.
    /// </summary>
    public abstract Task<string?> ReadStoredAsync(string table, string column, string id);

    /// <summary>
    /// Runs one statement straight on the database, as an operator's SQL session would: only to test
    /// that the server notices changes it did not make itself, never to arrange a test's data.
    /// (The plain SQLite and PostgreSQL hosts support it; special-purpose hosts need not.)
    /// </summary>
    public virtual Task ExecuteOutsideServerAsync(string sql) => throw new NotSupportedException();

    /// <summary>The server's own services: only for tests of a seam that HTTP cannot reach (e.g. a shared rate limiter), never to arrange or act.</summary>
    public IServiceProvider Services => _factory?.Services ?? throw new InvalidOperationException("The server has not started.");

    /// <summary>A plain HTTP client for this server; no cookies, no redirects followed.</summary>
    public HttpClient Http() => new(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = BaseAddress };

    public GraphQLClient Anonymous() => new(Http(), null);

    public GraphQLClient WithToken(string token) => new(Http(), token);

    /// <summary>Signs in through the real authorization-code + PKCE flow (login form included).</summary>
    public Task<OAuthFlow.Tokens> SignInAsync(string email, string password, string scope = OAuthFlow.DefaultScope) =>
        new OAuthFlow(BaseAddress).SignInAsync(email, password, scope);

    /// <summary>The bootstrap admin, signed in once per server.</summary>
    public Task<GraphQLClient> AdminAsync() => SignedInAsync(AdminEmail, AdminPassword);

    public Task<GraphQLClient> SignedInAsync(string email, string password) =>
        _signedIn.GetOrAdd(email, async _ => WithToken((await SignInAsync(email, password)).AccessToken));

    private sealed class Factory(IDictionary<string, string?> settings, CommandCounter counter) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Testing");
            foreach (var (key, value) in settings)
            {
                builder.UseSetting(key, value);
            }

            builder.ConfigureServices(services => services.AddSingleton<IInterceptor>(counter));
        }
    }
}

/// <summary>
/// A test-only seam: counts the SQL commands the server sends for requests. Background work (the
/// alert evaluator's rounds every second) runs outside any request and is not counted, or it would
/// land in a request's count whenever the two overlap.
/// </summary>
public sealed class CommandCounter : DbCommandInterceptor
{
    private static readonly Microsoft.AspNetCore.Http.HttpContextAccessor Requests = new();
    private int _count;

    public int Count => Volatile.Read(ref _count);

    public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        if (Requests.HttpContext is not null)
        {
            Interlocked.Increment(ref _count);
        }

        return base.ReaderExecutingAsync(command, eventData, result, cancellationToken);
    }
}
