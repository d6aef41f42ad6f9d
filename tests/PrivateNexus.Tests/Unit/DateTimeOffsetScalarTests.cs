using GraphQL.Types;
using PrivateNexus.Server.GraphQL.Types;

namespace PrivateNexus.Tests.Unit;

/// <summary>The faster DateTimeOffset scalar writes exactly what GraphQL.NET's own writes.</summary>
public sealed class DateTimeOffsetScalarTests
{
    public static TheoryData<DateTimeOffset> Times => new()
    {
        new DateTimeOffset(2026, 11, 29, 9, 0, 0, TimeSpan.Zero),
        new DateTimeOffset(2026, 11, 29, 9, 0, 0, 120, TimeSpan.FromHours(2)),
        new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.FromMinutes(-330)).AddTicks(1),
        new DateTimeOffset(638999999999999990, TimeSpan.FromHours(14)),
        DateTimeOffset.MinValue,
        DateTimeOffset.MaxValue,
        new DateTimeOffset(1, 1, 1, 0, 0, 0, TimeSpan.FromHours(-12)).AddYears(1),
    };

    [Theory]
    [MemberData(nameof(Times))]
    public void Writes_what_GraphQL_NET_writes(DateTimeOffset time) =>
        Assert.Equal(new DateTimeOffsetGraphType().Serialize(time), new DateTimeOffsetScalar().Serialize(time));

    [Fact]
    public void Writes_what_GraphQL_NET_writes_for_random_times()
    {
        var random = new Random(20261129);
        var builtIn = new DateTimeOffsetGraphType();
        var ours = new DateTimeOffsetScalar();
        for (var i = 0; i < 10_000; i++)
        {
            var ticks = random.NextInt64(DateTimeOffset.MinValue.Ticks + TimeSpan.TicksPerDay, DateTimeOffset.MaxValue.Ticks - TimeSpan.TicksPerDay);
            // Whole seconds, whole milliseconds and full precision all occur.
            ticks -= (i % 3) switch { 0 => ticks % TimeSpan.TicksPerSecond, 1 => ticks % TimeSpan.TicksPerMillisecond, _ => 0 };
            var time = new DateTimeOffset(ticks, TimeSpan.FromMinutes(random.Next(-14 * 60, 14 * 60 + 1)));
            Assert.Equal(builtIn.Serialize(time), ours.Serialize(time));
        }
    }

    [Fact]
    public void Leaves_everything_else_to_GraphQL_NET()
    {
        Assert.Null(new DateTimeOffsetScalar().Serialize(null));
        Assert.Throws<InvalidOperationException>(() => new DateTimeOffsetScalar().Serialize("yesterday"));
    }
}
