namespace PrivateNexus.Tests.Authorization;

/// <summary>The matrix must keep up with the schema: a new query or mutation without rows fails here.</summary>
public abstract partial class AuthorizationMatrix
{
    [Fact]
    public async Task Every_query_and_mutation_of_the_live_schema_has_rows_in_the_matrix()
    {
        var world = await AuthzWorld.ForAsync(App);
        var schema = (await world.Root.DataAsync(
            "{ __schema { queryType { fields { name } } mutationType { fields { name } } } }"))["__schema"]!;
        var fields = schema["queryType"]!.List("fields").Concat(schema["mutationType"]!.List("fields")).Ids("name");

        var covered = ExpectedOutcomes.All.Select(c => ExpectedOutcomes.FieldOf(c.Operation)).ToHashSet(StringComparer.Ordinal);
        var missing = fields.Where(field => !covered.Contains(field)).ToList();
        Assert.True(missing.Count == 0, $"No matrix rows for: {string.Join(", ", missing)}");
    }

    [Fact]
    public void Every_row_of_the_matrix_has_a_way_to_try_it()
    {
        var untried = ExpectedOutcomes.All.Select(c => c.Operation).Distinct().Where(op => !Operations.All.ContainsKey(op)).ToList();
        Assert.True(untried.Count == 0, $"Rows without an operation: {string.Join(", ", untried)}");
        var unused = Operations.All.Keys.Where(op => ExpectedOutcomes.All.All(c => c.Operation != op)).ToList();
        Assert.True(unused.Count == 0, $"Operations without rows: {string.Join(", ", unused)}");
    }

    /// <summary>An operation aimed at a tenant is tried against both, or the isolation half is missing.</summary>
    [Fact]
    public void Every_operation_aimed_at_a_tenant_is_tried_on_both_the_own_and_the_other()
    {
        var byOperation = ExpectedOutcomes.All.GroupBy(c => c.Operation);
        var halfTried = byOperation
            .Where(g => g.Any(c => c.Tenant != Tenant.None))
            .Where(g => !g.Any(c => c.Tenant == Tenant.Own) || !g.Any(c => c.Tenant == Tenant.Other))
            .Select(g => g.Key)
            .ToList();
        Assert.True(halfTried.Count == 0, $"Tried on one tenant only: {string.Join(", ", halfTried)}");
    }
}
