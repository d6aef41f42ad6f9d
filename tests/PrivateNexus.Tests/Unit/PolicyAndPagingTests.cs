using PrivateNexus.Server.Common;
using PrivateNexus.Server.Features.Services;

namespace PrivateNexus.Tests.Unit;

public sealed class PolicyAndPagingTests
{
    [Theory]
    [InlineData("registry.example/*", "registry.example/app:1", true)]
    [InlineData("registry.example/*", "registry.example.evil.com/app:1", false)]
    [InlineData("nginx:1.*", "nginx:1.27", true)]
    [InlineData("nginx:1.*", "nginx:2.0", false)]
    [InlineData("*", "anything/at:all", true)]
    [InlineData("a.b/c", "aXb/c", false)]
    public void Image_patterns_match_literally_except_for_stars(string pattern, string image, bool expected) =>
        Assert.Equal(expected, ClientPolicy.Matches(pattern, image));

    [Fact]
    public void Cursors_round_trip_and_garbage_is_bad_input()
    {
        Assert.Equal(41, Paging.DecodeCursor(Paging.EncodeCursor(41)));
        foreach (var bad in new[] { "garbage", "", "bzotMQ", Paging.EncodeCursor(-1) })
        {
            var error = Assert.Throws<DomainException>(() => Paging.DecodeCursor(bad));
            Assert.Equal("after", error.Field);
        }
    }

    [Fact]
    public void In_memory_pages_continue_after_the_cursor()
    {
        var all = Enumerable.Range(0, 7).ToList();
        var first = all.ToPage(new PageRequest(3));
        Assert.Equal([0, 1, 2], first.Items);
        Assert.True(first.HasNextPage);
        var second = all.ToPage(new PageRequest(3, first.CursorAt(2)));
        Assert.Equal([3, 4, 5], second.Items);
        var last = all.ToPage(new PageRequest(3, second.CursorAt(2)));
        Assert.Equal([6], last.Items);
        Assert.False(last.HasNextPage);
    }
}
