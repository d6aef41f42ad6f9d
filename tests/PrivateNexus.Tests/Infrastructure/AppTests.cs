namespace PrivateNexus.Tests.Infrastructure;

/// <summary>
/// Base of every integration test class. Each suite is an abstract class deriving from this, with
/// one sealed subclass per database provider, so the same tests run on SQLite and PostgreSQL.
/// </summary>
public abstract class AppTests
{
    protected AppTests(PnxApp app)
    {
        (app as PostgresApp)?.RequireAvailable();
        App = app;
    }

    protected PnxApp App { get; }

    /// <summary>A name unique within the run, DNS-label shaped.</summary>
    protected static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..10]}";
}
