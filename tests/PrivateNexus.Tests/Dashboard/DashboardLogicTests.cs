using PrivateNexus.Server.Authorization;
using PrivateNexus.Server.Dashboard;
using PrivateNexus.Server.Engine;
using PrivateNexus.Server.Events;
using PrivateNexus.Server.Features.Audit;
using PrivateNexus.Server.Features.Memberships;
using PrivateNexus.Server.Features.Services;
using PrivateNexus.Server.Features.Users;
using PrivateNexus.Tests.Infrastructure;

namespace PrivateNexus.Tests.Dashboard;

/// <summary>The dashboard's small pieces of logic: diffs, CSV, the log buffer, field keys, the form model.</summary>
public sealed class DashboardLogicTests
{
    [Fact]
    public void A_revision_diff_marks_changed_lines_and_never_shows_a_secret()
    {
        var before = new ServiceSpec { Image = "app:1", CpuMillicores = 100, MemoryMiB = 64, Env = [new EnvVar("TOKEN", "ciphertext-1", true)] };
        var after = before with { Image = "app:2", Env = [new EnvVar("TOKEN", "ciphertext-2", true)] };

        var lines = SpecDiff.Lines(before, after);

        Assert.Contains(lines, l => l.Kind == DiffKind.Removed && l.Text.Contains("app:1", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Kind == DiffKind.Added && l.Text.Contains("app:2", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Text.Contains("ciphertext", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Kind == DiffKind.Same && l.Text.Contains("[secret]", StringComparison.Ordinal));
    }

    [Fact]
    public void The_audit_csv_quotes_what_needs_it_and_defuses_formulas()
    {
        var csv = AuditCsv.Write([new AuditEvent { Action = "service.create", ActorName = "=HYPERLINK(\"x\")", Details = "{\"a\":1,\"b\":2}", Time = DateTimeOffset.UnixEpoch }]);
        var row = csv.Split("\r\n")[1];

        Assert.StartsWith("1970-01-01T00:00:00.000Z,", row, StringComparison.Ordinal);
        Assert.Contains("\"'=HYPERLINK(\"\"x\"\")\"", row, StringComparison.Ordinal);
        Assert.Contains("\"{\"\"a\"\":1,\"\"b\"\":2}\"", row, StringComparison.Ordinal);
    }

    [Fact]
    public void The_log_buffer_keeps_the_newest_lines_holds_them_back_while_paused_and_searches()
    {
        var buffer = new LogBuffer(capacity: 3);
        foreach (var text in new[] { "one", "two", "three", "four" })
        {
            buffer.Add(Line(text));
        }

        Assert.Equal(["two", "three", "four"], buffer.Matching(null).Select(l => l.Line.Text));
        buffer.Pause();
        buffer.Add(Line("Five"));
        Assert.Equal(1, buffer.HeldBack);
        Assert.DoesNotContain(buffer.Matching(null), l => l.Line.Text == "Five");
        buffer.Resume();
        Assert.Equal(["three", "four", "Five"], buffer.Matching(null).Select(l => l.Line.Text));
        Assert.Equal(["Five"], buffer.Matching("five").Select(l => l.Line.Text));
        Assert.EndsWith("[0 stdout] Five\n", buffer.ToText("five"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("input.slug", "slug")]
    [InlineData("imagePolicy[2]", "imagePolicy")]
    [InlineData("quota.services", "quota.services")]
    [InlineData("spec.ports[0].hostPort", "spec.ports[0].hostPort")]
    public void Refusals_are_keyed_by_the_field_the_form_shows(string field, string key) => Assert.Equal(key, FieldNames.FormKey(field));

    [Fact]
    public void A_stored_secret_is_never_sent_back_and_is_kept_unless_replaced()
    {
        var service = new Service
        {
            Name = "web",
            Image = "app:1",
            Spec = new ServiceSpec { Image = "app:1", CpuMillicores = 100, MemoryMiB = 64, Env = [new EnvVar("TOKEN", "ciphertext", true), new EnvVar("MODE", "prod", false)] },
        };

        var form = ServiceFormModel.From(service);
        Assert.Equal("", form.Env[0].Value);
        Assert.True(form.Env[0].Stored);

        var kept = form.ToSpec();
        Assert.Null(kept.Env![0].Value);
        Assert.Equal("prod", kept.Env[1].Value);

        form.Env[0].Value = "new-secret";
        Assert.Equal("new-secret", form.ToSpec().Env![0].Value);
    }

    [Theory]
    [InlineData(ClientRole.Viewer, false, false, false)]
    [InlineData(ClientRole.Member, true, false, true)]
    [InlineData(ClientRole.Owner, true, true, true)]
    public void The_service_page_offers_only_what_the_rulebook_allows(ClientRole role, bool operate, bool manage, bool logs)
    {
        var client = Guid.NewGuid();
        var actor = new Actor(ActorType.User, "u", "u", Guid.NewGuid(), PlatformRole.None, new Dictionary<Guid, ClientRole> { [client] = role }, new HashSet<string>(ApiScopes.All));

        Assert.Equal(new ServiceAbilities(operate, manage, logs), ServiceAbilities.Of(actor, client));
        Assert.Equal(ServiceAbilities.None, ServiceAbilities.Of(actor, Guid.NewGuid()));
        Assert.Equal(ServiceAbilities.None, ServiceAbilities.Of(actor with { Scopes = new HashSet<string>() }, client));

        // The menu's answers come from the same feature services: deploying needs an owner, the audit log an owner too.
        Assert.Equal(manage, ServiceAbilities.MayDeployAnywhere(actor));
        Assert.Equal(role == ClientRole.Owner, AuditQueryService.MayReadAny(actor));
        Assert.False(AuditQueryService.MayReadAny(actor with { ClientRoles = new Dictionary<Guid, ClientRole>() }));
    }

    [Fact]
    public async Task A_page_is_woken_by_matching_events_only_and_not_after_it_is_gone()
    {
        using var bus = new EventBus(Microsoft.Extensions.Logging.Abstractions.NullLogger<EventBus>.Instance);
        var client = Guid.NewGuid();
        var woken = new SemaphoreSlim(0);
        var live = LiveEvents.Start(bus, e => e is ServiceChanged c && c.ClientId == client, () =>
        {
            woken.Release();
            return Task.CompletedTask;
        }, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        Assert.True(await Eventually.TrueAsync(() => Task.FromResult(bus.SubscriptionCount == 1), TimeSpan.FromSeconds(5)));

        bus.Publish(new ServiceChanged(Guid.NewGuid(), Guid.NewGuid()));
        bus.Publish(new ServiceChanged(Guid.NewGuid(), client));
        Assert.True(await woken.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken));
        Assert.False(await woken.WaitAsync(TimeSpan.FromMilliseconds(200), TestContext.Current.CancellationToken));

        await live.DisposeAsync();
        Assert.Equal(0, bus.SubscriptionCount);
        bus.Publish(new ServiceChanged(Guid.NewGuid(), client));
        Assert.False(await woken.WaitAsync(TimeSpan.FromMilliseconds(200), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_failing_attention_source_says_why_and_the_others_still_show()
    {
        IAttentionSource[] sources =
        [
            new Source("Alerts", () => Task.FromResult<IReadOnlyList<AttentionItem>>([new AttentionItem("cpu high on web", "firing since 10:42", AttentionLevel.Critical, "/app/services")])),
            new Source("Not configured", () => throw new PrivateNexus.Server.Common.DomainException("UNAVAILABLE", "Alerting is not configured.")),
            new Source("Broken", () => throw new InvalidOperationException("bug")),
        ];

        var sections = await AttentionSources.ReadAsync(sources, EmptyServices.Instance, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, TestContext.Current.CancellationToken);

        Assert.Equal("cpu high on web", Assert.Single(sections[0].Items).Title);
        Assert.Equal("Alerting is not configured.", sections[1].Unavailable);
        Assert.Equal("Not available right now.", sections[2].Unavailable);
    }

    private sealed class EmptyServices : IServiceProvider
    {
        public static readonly EmptyServices Instance = new();

        public object? GetService(Type serviceType) => null;
    }

    private sealed class Source(string heading, Func<Task<IReadOnlyList<AttentionItem>>> read) : IAttentionSource
    {
        public string Heading => heading;

        public Task<IReadOnlyList<AttentionItem>> ReadAsync(IServiceProvider userScope, CancellationToken cancellationToken) => read();
    }

    private static ServiceLogLine Line(string text) =>
        new(new ContainerState("c1", "web-0", Guid.Empty, Guid.Empty, 1, 0, 0, "running", null, 0, 0, null, "app:1", []), new LogLine(DateTimeOffset.UnixEpoch, LogStream.Stdout, text));

    [Theory]
    [InlineData("/app/services", "/app/services")]
    [InlineData("/app/services?client=1", "/app/services?client=1")]
    [InlineData("//evil.example/x", "/app")]
    [InlineData("/\\evil.example/x", "/app")]
    [InlineData("/\t/evil.example/x", "/app")]
    [InlineData("/app/\r\nLocation: x", "/app")]
    [InlineData("https://evil.example/", "/app")]
    [InlineData("/", "/app")]
    [InlineData(null, "/app")]
    public void Sign_in_returns_only_to_paths_of_this_server(string? returnUrl, string expected) =>
        Assert.Equal(expected, PrivateNexus.Server.Dashboard.SignIn.DashboardSignInEndpoints.LocalOrHome(returnUrl));
}
