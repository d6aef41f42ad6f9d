using System.Net;
using System.Text.Json.Nodes;
using PrivateNexus.Tests.Engine;
using PrivateNexus.Tests.Infrastructure;
using PrivateNexus.Tests.Transport;

namespace PrivateNexus.Tests.Operations;

/// <summary>
/// The Dockerfile, proven on the real test engine without any registry: the server is published
/// self-contained from this checkout, the image built with <c>--target prebuilt</c> on the minimal
/// Debian base that scripts/test-env.sh makes with debootstrap, and run as an operator would —
/// non-root, read-only root filesystem, data on a named volume, the engine's socket mounted. It must
/// turn healthy by its own HEALTHCHECK, report this commit on /version, and manage the engine: the
/// local node comes online.
/// </summary>
public sealed class ContainerImageTests
{
    private static readonly string DockerCli = File.Exists("/usr/bin/docker") ? "/usr/bin/docker" : "docker";

    [Fact]
    public async Task The_image_builds_on_a_local_base_and_runs_the_server_against_the_mounted_engine()
    {
        EngineApp.RequireDocker();
        var baseImage = Environment.GetEnvironmentVariable("PNX_TEST_BASE_IMAGE");
        Assert.False(baseImage is null && Environment.GetEnvironmentVariable("CI") is { Length: > 0 }, "PNX_TEST_BASE_IMAGE is not set in CI.");
        Assert.SkipWhen(baseImage is null, "PNX_TEST_BASE_IMAGE is not set; run scripts/test.sh.");

        var id = Guid.NewGuid().ToString("N")[..10];
        var work = Path.Combine(Path.GetTempPath(), "pnx-tests", "image-" + id);
        var (tag, name, volume) = ($"pnx-test/server:{id}", $"pnx-image-{id}", $"pnx-image-{id}");
        var socket = new Uri(EngineApp.DockerHost!).AbsolutePath;
        try
        {
            // Publish as the Dockerfile's build stage does, from a copy of the sources (no bin/obj, no .git).
            CopySources(RepositoryRoot.Path, Path.Combine(work, "src"));
            var commit = (await Cli.RunAsync("git", ["rev-parse", "HEAD"], TimeSpan.FromSeconds(30), RepositoryRoot.Path)).Output.Trim();
            var publish = await Cli.RunAsync(
                "dotnet",
                ["publish", "src/PrivateNexus.Server", "-c", "Release", "-r", "linux-x64", "--self-contained", "-o", Path.Combine(work, "publish"),
                    "-p:EnableSourceControlManagerQueries=false", $"-p:SourceRevisionId={commit}"],
                TimeSpan.FromMinutes(8),
                Path.Combine(work, "src"));
            Assert.True(publish.ExitCode == 0, $"dotnet publish failed: {publish}");

            var build = await Docker(
                TimeSpan.FromMinutes(5), "build", "--target", "prebuilt", "--build-arg", $"RUNTIME_IMAGE={baseImage}", "-t", tag,
                "-f", RepositoryRoot.Combine("Dockerfile"), Path.Combine(work, "publish"));
            Assert.True(build.ExitCode == 0, $"docker build failed: {build}");

            var group = (await Cli.RunAsync("stat", ["-c", "%g", socket], TimeSpan.FromSeconds(10))).Output.Trim();
            var run = await Docker(
                TimeSpan.FromMinutes(1), "run", "-d", "--name", name, "--read-only", "--tmpfs", "/tmp", "-v", $"{volume}:/data",
                "-v", $"{socket}:/var/run/docker.sock", "--group-add", group, "--health-interval", "2s", "-p", "127.0.0.1::8080",
                "-e", $"PNX_BOOTSTRAP_ADMIN_EMAIL={PnxApp.AdminEmail}", "-e", $"PNX_BOOTSTRAP_ADMIN_PASSWORD={PnxApp.AdminPassword}",
                "-e", $"PNX_PUBLIC_CLIENTS__0__CLIENT_ID={PnxApp.TestClientId}", "-e", $"PNX_PUBLIC_CLIENTS__0__REDIRECT_URIS__0={PnxApp.RedirectUri}",
                tag);
            Assert.True(run.ExitCode == 0, $"docker run failed: {run}");

            var user = (await Docker(TimeSpan.FromSeconds(30), "inspect", "--format", "{{.Config.User}}", name)).Output.Trim();
            Assert.Equal("1654:1654", user);
            string health = "";
            var healthy = await Eventually.TrueAsync(
                async () => (health = (await Docker(TimeSpan.FromSeconds(30), "inspect", "--format", "{{.State.Health.Status}}", name)).Output.Trim()) == "healthy",
                TimeSpan.FromSeconds(90));
            Assert.True(healthy, $"The container's HEALTHCHECK says '{health}'. Logs:\n{(await Docker(TimeSpan.FromSeconds(30), "logs", name)).Error}");

            var port = (await Docker(TimeSpan.FromSeconds(30), "port", name, "8080/tcp")).Output.Trim().Split('\n')[0].Split(':')[^1];
            var baseAddress = new Uri($"http://127.0.0.1:{port}/");
            using var http = new HttpClient { BaseAddress = baseAddress };
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/readyz", TestContext.Current.CancellationToken)).StatusCode);
            var version = JsonNode.Parse(await http.GetStringAsync("/version", TestContext.Current.CancellationToken))!;
            Assert.Equal(commit, version["commit"]!.GetValue<string>());

            var admin = new GraphQLClient(new HttpClient { BaseAddress = baseAddress }, (await new OAuthFlow(baseAddress).SignInAsync(PnxApp.AdminEmail, PnxApp.AdminPassword)).AccessToken);
            JsonNode? nodes = null;
            var online = await Eventually.TrueAsync(
                async () => (nodes = (await admin.DataAsync("{ nodes { name status } }"))["nodes"]) is JsonArray list
                    && list.Any(n => n!["name"]!.GetValue<string>() == "local" && n["status"]!.GetValue<string>() == "ONLINE"),
                TimeSpan.FromSeconds(60));
            Assert.True(online, $"The local node did not come online: {nodes?.ToJsonString()}");
        }
        finally
        {
            await Docker(TimeSpan.FromMinutes(1), "rm", "-f", "-v", name);
            await Docker(TimeSpan.FromMinutes(1), "volume", "rm", volume);
            await Docker(TimeSpan.FromMinutes(1), "rmi", tag);
            if (Directory.Exists(work))
            {
                Directory.Delete(work, recursive: true);
            }
        }
    }

    private static Task<Cli.Result> Docker(TimeSpan timeout, params string[] args) =>
        Cli.RunAsync(DockerCli, ["-H", EngineApp.DockerHost!, .. args], timeout, environment: new Dictionary<string, string> { ["DOCKER_BUILDKIT"] = "0" });

    /// <summary>What the Dockerfile's build stage sees: the sources, without build output or local data.</summary>
    private static void CopySources(string root, string target)
    {
        foreach (var file in new[] { "Directory.Build.props", "Directory.Packages.props", "global.json", "BannedSymbols.txt", ".editorconfig" })
        {
            Directory.CreateDirectory(target);
            File.Copy(Path.Combine(root, file), Path.Combine(target, file));
        }

        CopyTree(Path.Combine(root, "src"), Path.Combine(target, "src"));
    }

    private static void CopyTree(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }

        foreach (var dir in Directory.EnumerateDirectories(from))
        {
            if (Path.GetFileName(dir) is not ("bin" or "obj" or "data" or "node_modules"))
            {
                CopyTree(dir, Path.Combine(to, Path.GetFileName(dir)));
            }
        }
    }
}
