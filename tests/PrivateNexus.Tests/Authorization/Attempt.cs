using System.Text.Json.Nodes;
using PrivateNexus.Tests.Infrastructure;

namespace PrivateNexus.Tests.Authorization;

/// <summary>What a case is about: the world, the caller, whose object, and whether it should succeed.</summary>
public sealed record MatrixContext(AuthzWorld World, MatrixCase Case)
{
    public Caller Caller => Case.Caller;

    public Tenant Tenant => Case.Tenant;

    /// <summary>True when the case expects a change to go through; it then works on fresh objects.</summary>
    public bool Succeeds => Case.Expected == Outcome.Ok;

    public GraphQLClient Root => World.Root;

    public FreshObjects Fresh => World.Fresh;

    public string ClientId => World.ClientOf(Tenant);
}

/// <summary>
/// One GraphQL request as a case sends it, with what to check around it.
/// </summary>
/// <param name="Document">The operation the caller sends.</param>
/// <param name="Variables">Its variables.</param>
public sealed record Attempt(string Document, object? Variables = null)
{
    /// <summary>
    /// For an answer without errors: is the object asked about in it? False makes the outcome
    /// <see cref="Outcome.Hidden"/>. Absent: an answer without errors is <see cref="Outcome.Ok"/>.
    /// </summary>
    public Func<JsonNode, bool>? Shows { get; init; }

    /// <summary>
    /// An error code that still means the rulebook allowed the call: it went on to something the matrix
    /// world does not run (an engine), which answered with this code. Counted as <see cref="Outcome.Ok"/>.
    /// </summary>
    public string? AllowedError { get; init; }

    /// <summary>Checks, after an answer without errors, that it did what it says (and leaked nothing).</summary>
    public Func<JsonNode, Task>? Check { get; init; }

    /// <summary>
    /// Reads (as the bootstrap admin) what the operation would change. For a refusal, the reading after
    /// must equal the one before: a refused mutation changes nothing.
    /// </summary>
    public Func<Task<string>>? Snapshot { get; init; }
}
