using System.Net;
using PrivateNexus.Tests.Infrastructure;

namespace PrivateNexus.Tests.Transport;

/// <summary>docs/schema.graphql is the SDL the server serves, byte for byte (line endings aside), so the docs never drift.</summary>
public abstract class SchemaSnapshotTests(PnxApp app) : TransportTests(app)
{
    private const string UpdateVariable = "PNX_UPDATE_SCHEMA";
    private const string HowToRegenerate =
        $"Regenerate it from the server (then review and commit the diff):\n    {UpdateVariable}=1 bash scripts/test.sh --filter-method '*Committed_schema_is_what_the_server_serves*'";

    [Fact]
    public async Task Committed_schema_is_what_the_server_serves()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/graphql/schema.graphql");
        request.Headers.Authorization = new("Bearer", await AdminTokenAsync());
        using var http = App.Http();
        using var response = await http.SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var served = Normalize(await response.Content.ReadAsStringAsync(Ct));

        var path = RepositoryRoot.Combine("docs", "schema.graphql");
        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            // Never in CI: a test that rewrites its own expectation there would always pass.
            Assert.False(Environment.GetEnvironmentVariable("CI") is { Length: > 0 }, $"{UpdateVariable} must not be set in CI.");
            await File.WriteAllTextAsync(path, served, Ct);
            return;
        }

        Assert.True(File.Exists(path), $"{path} is missing. {HowToRegenerate}");
        var committed = Normalize(await File.ReadAllTextAsync(path, Ct));
        if (committed != served)
        {
            Assert.Fail($"docs/schema.graphql differs from the schema the server serves; {FirstDifference(committed, served)}\n{HowToRegenerate}");
        }
    }

    /// <summary>LF line endings and exactly one final newline, as the file is committed.</summary>
    private static string Normalize(string sdl) => sdl.ReplaceLineEndings("\n").TrimEnd('\n') + "\n";

    private static string FirstDifference(string committed, string served)
    {
        var committedLines = committed.Split('\n');
        var servedLines = served.Split('\n');
        for (var i = 0; ; i++)
        {
            var left = i < committedLines.Length ? committedLines[i] : "<end of file>";
            var right = i < servedLines.Length ? servedLines[i] : "<end of schema>";
            if (left != right)
            {
                return $"first difference at line {i + 1}:\n  committed: {left}\n  served:    {right}";
            }
        }
    }
}

// Transport only: one provider is enough (see TransportTests).
public sealed class SchemaSnapshotTestsOnSqlite(SqliteApp app) : SchemaSnapshotTests(app);
