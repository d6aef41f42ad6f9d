using System.Diagnostics;
using System.Text.Json.Nodes;
using PrivateNexus.Tests.Transport;

namespace PrivateNexus.Tests.Infrastructure;

/// <summary>
/// Runs a Node.js script of tests/js (the spec audit, the graphql-ws client check) against the live
/// test server and reads the one JSON summary it prints. node and tests/js/node_modules come from
/// scripts/test-env.sh; without them the test is skipped on a developer's machine and fails in CI.
/// </summary>
public static class NodeScript
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr, string Transcript)
    {
        /// <summary>The JSON summary on stdout; fails the test (with the whole transcript) when there is none.</summary>
        public JsonObject Summary()
        {
            try
            {
                return JsonNode.Parse(Stdout)!.AsObject();
            }
            catch (Exception ex) when (ex is System.Text.Json.JsonException or NullReferenceException or InvalidOperationException)
            {
                Assert.Fail($"The script printed no JSON summary.\n{Transcript}");
                throw;
            }
        }
    }

    /// <summary>
    /// <c>node tests/js/SCRIPT ARGS…</c> in tests/js with the given environment; skips (or, in CI, fails)
    /// when node or the npm package <paramref name="requiredPackage"/> is not installed. The transcript
    /// goes to the test's output (the TRX keeps it, pass or fail).
    /// </summary>
    public static async Task<Result> RunAsync(
        string script, string requiredPackage, IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment, TimeSpan timeout)
    {
        var node = FindOnPath("node");
        RequireTool(node is not null, "node is not installed (scripts/test-env.sh installs it)");
        RequireTool(
            Directory.Exists(RepositoryRoot.Combine("tests", "js", "node_modules", requiredPackage)),
            $"tests/js/node_modules/{requiredPackage} is missing: run `bash scripts/test-env.sh` (or `npm ci` in tests/js)");

        var args = arguments.ToList();
        var start = new ProcessStartInfo(node!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = RepositoryRoot.Combine("tests", "js"),
        };
        start.ArgumentList.Add(RepositoryRoot.Combine("tests", "js", script));
        foreach (var argument in args)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var ct = TestContext.Current.CancellationToken;
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {node}.");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"node {script} did not finish within {timeout}; output so far:\n{await stdout}\n{await stderr}");
        }

        var (outText, errText) = (await stdout, await stderr);
        var transcript = $"node tests/js/{script} {string.Join(' ', args)} exited with {process.ExitCode}\n--- stdout\n{outText}\n--- stderr\n{errText}";
        TestContext.Current.TestOutputHelper?.WriteLine(transcript);
        return new Result(process.ExitCode, outText, errText, transcript);
    }

    /// <summary>A missing tool skips the test on a developer's machine, but fails it in CI, where the environment must be complete.</summary>
    private static void RequireTool(bool present, string problem)
    {
        if (present)
        {
            return;
        }

        Assert.False(Environment.GetEnvironmentVariable("CI") is { Length: > 0 }, $"{problem}; in CI this is a broken test environment, never a reason to skip.");
        Assert.Skip($"{problem}.");
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);
}
