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
}
