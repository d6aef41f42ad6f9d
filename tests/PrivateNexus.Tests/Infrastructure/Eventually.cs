using System.Diagnostics;

namespace PrivateNexus.Tests.Infrastructure;

/// <summary>Polls a condition until it holds or a bounded time passes (for convergence, never for speed).</summary>
public static class Eventually
{
    public static async Task<bool> TrueAsync(Func<Task<bool>> condition, TimeSpan within)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < within)
        {
            if (await condition())
            {
                return true;
            }

            await Task.Delay(250, TestContext.Current.CancellationToken);
        }

        return await condition();
    }

    /// <summary>
    /// Reads a service with <paramref name="query"/> (variable <c>$id</c>) until <paramref name="condition"/>
    /// holds, and fails the test saying what it waited for and what it saw last.
    /// </summary>
    public static async Task<System.Text.Json.Nodes.JsonNode> ServiceAsync(
        GraphQLClient caller, string query, string serviceId, Func<System.Text.Json.Nodes.JsonNode, bool> condition, string what, TimeSpan within)
    {
        System.Text.Json.Nodes.JsonNode last = null!;
        var met = await TrueAsync(
            async () =>
            {
                last = (await caller.DataAsync(query, new { id = serviceId }))["service"]!;
                return condition(last);
            },
            within);
        Assert.True(met, $"Timed out waiting until {what}; last seen: {last.ToJsonString()}");
        return last;
    }
}
