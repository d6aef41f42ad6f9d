using PrivateNexus.Tests.Infrastructure;

namespace PrivateNexus.Tests.Authorization;

/// <summary>
/// Every query and mutation × every caller × own/other tenant (issue "Authorization: one rulebook"),
/// one test case per cell of <see cref="ExpectedOutcomes"/>, so a failure names the operation, the
/// caller and the tenant. The cases of one provider run one after another (one class), on one world.
/// </summary>
public abstract partial class AuthorizationMatrix(PnxApp app) : AppTests(app)
{
    public static TheoryData<string> Cells => new(ExpectedOutcomes.All.Select(c =>
        new TheoryDataRow<string>(c.Name) { Skip = ExpectedOutcomes.KnownBug(c) }));

    [Theory]
    [MemberData(nameof(Cells))]
    public async Task Caller_gets_exactly_the_outcome_the_matrix_expects(string cell)
    {
        var expected = ExpectedOutcomes.Find(cell);
        var world = await AuthzWorld.ForAsync(App);
        var attempt = await Operations.All[expected.Operation](new MatrixContext(world, expected));
        var before = attempt.Snapshot is null ? null : await attempt.Snapshot();

        var result = await world.As(expected.Caller).SendAsync(attempt.Document, attempt.Variables);

        var actual = OutcomeOf(result, attempt);
        Assert.True(actual == expected.Expected.Code(), $"{cell}: got {actual}. Answer: {result}");
        if (result.Errors is null && attempt.Check is not null)
        {
            await attempt.Check(result.Data!);
        }

        if (expected.Expected is not (Outcome.Ok or Outcome.Hidden) && attempt.Snapshot is not null)
        {
            Assert.True(before == await attempt.Snapshot(), $"{cell}: the refused operation changed something. Before: {before}");
        }
    }

    /// <summary>The answer in the matrix's terms: the error code, or whether the object asked about was shown.</summary>
    private static string OutcomeOf(GraphQLResult result, Attempt attempt) =>
        result.Errors is not null && (attempt.AllowedError is null || result.ErrorCode != attempt.AllowedError) ? result.ErrorCode ?? $"an error without a code ({result})"
        : result.Errors is not null || attempt.Shows is null || attempt.Shows(result.Data!) ? Outcome.Ok.Code()
        : Outcome.Hidden.Code();
}

public sealed class AuthorizationMatrixOnSqlite(SqliteApp app) : AuthorizationMatrix(app);

public sealed class AuthorizationMatrixOnPostgres(PostgresApp app) : AuthorizationMatrix(app);
