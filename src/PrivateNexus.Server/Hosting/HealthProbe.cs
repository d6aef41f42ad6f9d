namespace PrivateNexus.Server.Hosting;

/// <summary>
/// <c>PrivateNexus.Server healthcheck</c>: asks the running server's <c>/readyz</c> and exits 0 when
/// it answers 200. For the container's HEALTHCHECK, which then needs no curl or shell in the image.
/// Runs before the host is built, so a probe every few seconds costs a process start, not a server start.
/// </summary>
public static class HealthProbe
{
    public static bool IsProbe(string[] args) => args is ["healthcheck", ..];

    public static async Task<int> RunAsync(string[] args)
    {
        var url = args.Length > 1 ? args[1]
            : Environment.GetEnvironmentVariable("PNX_HEALTHCHECK_URL") is { Length: > 0 } configured ? configured
            : $"http://127.0.0.1:{HostingSetup.DefaultPort}/readyz";
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            using var response = await http.GetAsync(new Uri(url));
            await Console.Out.WriteLineAsync($"{url}: {(int)response.StatusCode}");
            return response.IsSuccessStatusCode ? 0 : 1;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or UriFormatException)
        {
            await Console.Out.WriteLineAsync($"{url}: {ex.Message}");
            return 1;
        }
    }
}
