using GraphQL;
using PrivateNexus.Server.Common;
using PrivateNexus.Server.GraphQL;

namespace PrivateNexus.Tests.Unit;

/// <summary>A failed batch fails every key it was fetched for, each with an error of its own.</summary>
public sealed class BatchLoaderTests
{
    [Fact]
    public async Task Every_key_of_a_failed_fetch_gets_the_failure_not_a_default_value()
    {
        var loader = new BatchLoader<int, string>((_, _) => throw DomainException.Unavailable("down"));
        var first = loader.Load(1);
        var second = loader.Load(2);

        Assert.Equal("down", (await Assert.ThrowsAsync<DomainException>(() => first.GetResultAsync(TestContext.Current.CancellationToken))).Message);
        Assert.Equal("down", (await Assert.ThrowsAsync<DomainException>(() => second.GetResultAsync(TestContext.Current.CancellationToken))).Message);
    }

    [Fact]
    public async Task Each_key_gets_its_own_execution_error_to_carry_its_own_path()
    {
        var loader = new BatchLoader<int, string>((_, _) => throw new ExecutionError("refused") { Code = "REFUSED" });
        var first = loader.Load(1);
        var second = loader.Load(2);

        var a = await Assert.ThrowsAnyAsync<ExecutionError>(() => first.GetResultAsync(TestContext.Current.CancellationToken));
        var b = await Assert.ThrowsAnyAsync<ExecutionError>(() => second.GetResultAsync(TestContext.Current.CancellationToken));
        Assert.NotSame(a, b);
        Assert.Equal(("refused", "REFUSED"), (b.Message, b.Code));
    }

    [Fact]
    public async Task A_key_asked_for_again_after_a_failure_is_fetched_again()
    {
        var calls = 0;
        var loader = new BatchLoader<int, string>((keys, _) => ++calls == 1
            ? throw DomainException.Unavailable("down")
            : Task.FromResult<IReadOnlyDictionary<int, string>>(keys.ToDictionary(k => k, k => $"v{k}")));
        await Assert.ThrowsAsync<DomainException>(() => loader.Load(1).GetResultAsync(TestContext.Current.CancellationToken));

        Assert.Equal("v1", await loader.Load(1).GetResultAsync(TestContext.Current.CancellationToken));
        Assert.Equal(2, calls);
    }
}
