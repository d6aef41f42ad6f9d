using System.Reflection;
using PrivateNexus.Server.Engine;
using PrivateNexus.Server.Hosting;
using PrivateNexus.Tests.Infrastructure;
using PrivateNexus.Tests.Transport;

namespace PrivateNexus.Tests.Operations;

/// <summary>The files an operator installs from: compose.yaml (checked by Compose itself), the Prometheus config, the systemd unit, the settings reference.</summary>
public sealed class DeploymentFileTests
{
    private static readonly Dictionary<string, string> Secrets = new()
    {
        ["POSTGRES_PASSWORD"] = "compose-test-password",
        ["PNX_PUBLIC_URL"] = "https://nexus.example.test",
        ["DOCKER_GID"] = "999",
    };

    [Fact]
    public async Task Compose_accepts_the_stack_and_it_has_what_production_needs()
    {
        var config = await ComposeAsync(Secrets, "config");
        Assert.True(config.ExitCode == 0, config.ToString());
        var text = config.Output;
        foreach (var service in new[] { "server:", "postgres:", "redis:", "prometheus:" })
        {
            Assert.Contains($"\n  {service}", text, StringComparison.Ordinal);
        }

        Assert.Equal(4, CountOf(text, "healthcheck:"));
        Assert.Contains("read_only: true", text, StringComparison.Ordinal);
        Assert.Contains("/data", text, StringComparison.Ordinal);
        Assert.Contains("PNX_DATABASE_URL: postgres://privatenexus:compose-test-password@postgres:5432/privatenexus", text, StringComparison.Ordinal);
        Assert.Contains("127.0.0.1", text, StringComparison.Ordinal);
        Assert.Contains("/var/run/docker.sock", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("POSTGRES_PASSWORD")]
    [InlineData("PNX_PUBLIC_URL")]
    [InlineData("DOCKER_GID")]
    public async Task Compose_refuses_to_start_without_a_required_secret_and_names_it(string missing)
    {
        var environment = new Dictionary<string, string>(Secrets);
        environment.Remove(missing);
        var config = await ComposeAsync(environment, "config", "-q");
        Assert.NotEqual(0, config.ExitCode);
        Assert.Contains($"set {missing} in .env", config.Output + config.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Prometheus_scrapes_the_server()
    {
        var path = RepositoryRoot.Combine("deploy", "prometheus.yml");
        var text = await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken);
        Assert.Contains("metrics_path: /metrics", text, StringComparison.Ordinal);
        Assert.Contains("\"server:8080\"", text, StringComparison.Ordinal);
        if (FindOnPath("promtool") is { } promtool)
        {
            var check = await Cli.RunAsync(promtool, ["check", "config", path], TimeSpan.FromSeconds(30));
            Assert.True(check.ExitCode == 0, check.ToString());
        }
    }

    [Fact]
    public async Task The_systemd_unit_runs_the_self_contained_server_as_its_own_user()
    {
        var unit = await File.ReadAllTextAsync(RepositoryRoot.Combine("deploy", "privatenexus.service"), TestContext.Current.CancellationToken);
        Assert.Contains("ExecStart=/opt/privatenexus/PrivateNexus.Server", unit, StringComparison.Ordinal);
        Assert.Contains("User=privatenexus", unit, StringComparison.Ordinal);
        Assert.Contains("Environment=PNX_DATA_DIR=/var/lib/privatenexus", unit, StringComparison.Ordinal);
        Assert.Contains($"RestartPreventExitStatus={ConfigurationCheck.ExitCode}", unit, StringComparison.Ordinal);
        if (FindOnPath("systemd-analyze") is { } analyze)
        {
            var verify = await Cli.RunAsync(analyze, ["verify", "--man=no", RepositoryRoot.Combine("deploy", "privatenexus.service")], TimeSpan.FromSeconds(30));
            Assert.DoesNotContain("Unknown key", verify.Error, StringComparison.Ordinal);
        }
    }

    /// <summary>Every setting of the server's options classes has its environment variable in docs/configuration.md.</summary>
    [Fact]
    public async Task Every_setting_is_documented()
    {
        var docs = await File.ReadAllTextAsync(RepositoryRoot.Combine("docs", "configuration.md"), TestContext.Current.CancellationToken);
        var missing = Settings(typeof(PnxOptions), PnxOptions.Section)
            .Concat(Settings(typeof(EngineOptions), EngineOptions.Section))
            .Select(PnxEnvironmentVariables.ToVariable)
            .Where(variable => !docs.Contains($"`{variable}", StringComparison.Ordinal))
            .ToList();
        Assert.True(missing.Count == 0, $"Not in docs/configuration.md: {string.Join(", ", missing)}");
    }

    private static IEnumerable<string> Settings(Type options, string section)
    {
        foreach (var property in options.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.PropertyType.IsClass && property.PropertyType.Namespace?.StartsWith("PrivateNexus", StringComparison.Ordinal) == true)
            {
                foreach (var nested in Settings(property.PropertyType, $"{section}:{property.Name}"))
                {
                    yield return nested;
                }
            }
            else
            {
                yield return $"{section}:{property.Name}";
            }
        }
    }

    /// <summary>Docker Compose v1 (Debian's docker-compose, installed by scripts/test-env.sh) or the v2 plugin.</summary>
    private static async Task<Cli.Result> ComposeAsync(Dictionary<string, string> environment, params string[] args)
    {
        var envFile = Path.Combine(Path.GetTempPath(), $"pnx-compose-{Guid.NewGuid():N}.env");
        await File.WriteAllLinesAsync(envFile, environment.Select(e => $"{e.Key}={e.Value}"), TestContext.Current.CancellationToken);
        try
        {
            string[] common = ["--env-file", envFile, "-f", RepositoryRoot.Combine("compose.yaml"), "--project-directory", RepositoryRoot.Path];
            if (FindOnPath("docker-compose") is { } v1)
            {
                return await Cli.RunAsync(v1, [.. common, .. args], TimeSpan.FromMinutes(1));
            }

            var v2 = await Cli.RunAsync("docker", ["compose", "version"], TimeSpan.FromSeconds(30));
            Assert.False(v2.ExitCode != 0 && Environment.GetEnvironmentVariable("CI") is { Length: > 0 }, "docker-compose is not installed in CI (scripts/test-env.sh installs it).");
            Assert.SkipWhen(v2.ExitCode != 0, "Neither docker-compose nor the docker compose plugin is installed; run scripts/test.sh.");
            return await Cli.RunAsync("docker", ["compose", .. common, .. args], TimeSpan.FromMinutes(1));
        }
        finally
        {
            File.Delete(envFile);
        }
    }

    private static int CountOf(string text, string part)
    {
        var count = 0;
        for (var at = text.IndexOf(part, StringComparison.Ordinal); at >= 0; at = text.IndexOf(part, at + part.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    private static string? FindOnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, tool))
            .FirstOrDefault(File.Exists);
}
