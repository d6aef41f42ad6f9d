using PrivateNexus.Server.Common;
using PrivateNexus.Server.Features.Metrics;

namespace PrivateNexus.Tests.Metrics;

/// <summary>The PromQL builder and the window rules, without a server.</summary>
public sealed class PromQLTests
{
    [Theory]
    [InlineData("plain", "\"plain\"")]
    [InlineData("a\"}) or vector(1) #", "\"a\\\"}) or vector(1) #\"")]
    [InlineData("back\\slash\nline", "\"back\\\\slash\\nline\"")]
    public void Label_values_are_quoted_so_they_cannot_end_the_string(string value, string quoted) =>
        Assert.Equal(quoted, PromQL.Quote(value));

    [Fact]
    public void An_injection_attempt_stays_inside_its_label_value()
    {
        var selector = PromQL.Selector(PromQL.Memory, [("client", "x\"} or up{job=\"y")]);
        Assert.Equal("pnx_container_memory_working_set_bytes{client=\"x\\\"} or up{job=\\\"y\"}", selector);
    }

    [Fact]
    public void Service_queries_carry_the_client_and_service_matchers_and_collapse_replicas_per_container()
    {
        var client = Guid.NewGuid();
        var service = Guid.NewGuid();
        Assert.Equal(
            $"sum(max by (client, service, container) (rate(pnx_container_cpu_seconds_total{{client=\"{client}\",service=\"{service}\"}}[60s])))",
            PromQL.Rate(PromQL.Selector(PromQL.Cpu, client, service), TimeSpan.FromMinutes(1)));
        Assert.Equal(
            $"sum(max by (client, service, container) (pnx_container_memory_working_set_bytes{{client=\"{client}\"}}))",
            PromQL.Gauge(PromQL.Selector(PromQL.Memory, client)));
    }

    [Theory]
    [InlineData("1h", null, 3600, 30)]
    [InlineData("30d", "1h", 30 * 86400, 3600)]
    [InlineData("15m", "1s", 900, 1)]
    [InlineData("30d", null, 30 * 86400, 21600)]
    public void Windows_within_bounds_are_accepted(string range, string? step, long rangeSeconds, long stepSeconds)
    {
        var (length, interval) = ServiceMetricsService.Window(range, step);
        Assert.Equal(TimeSpan.FromSeconds(rangeSeconds), length);
        Assert.Equal(TimeSpan.FromSeconds(stepSeconds), interval);
    }

    [Theory]
    [InlineData("31d", null, "range")]
    [InlineData("0s", null, "range")]
    [InlineData("1 h", null, "range")]
    [InlineData("1h)", null, "range")]
    [InlineData("1h", "0s", "step")]
    [InlineData("1h", "1s", "step")] // 3600 points
    [InlineData("1h", "abc", "step")]
    public void Windows_out_of_bounds_are_bad_input_naming_the_field(string range, string? step, string field)
    {
        var error = Assert.Throws<DomainException>(() => ServiceMetricsService.Window(range, step));
        Assert.Equal(ErrorCode.BadUserInput, error.Code);
        Assert.Equal(field, error.Field);
    }
}
