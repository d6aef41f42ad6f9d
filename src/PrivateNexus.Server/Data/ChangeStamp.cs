namespace PrivateNexus.Server.Data;

/// <summary>
/// A counter the database itself bumps (triggers, in the same transaction) whenever the tables it
/// watches change — whoever wrote them: this replica, another one, or an operator's SQL. A reader
/// that cached something derived from those tables checks the counter (one primary-key read) to
/// know whether its copy is still current. See <see cref="ChangeStamps"/>.
/// </summary>
public sealed class ChangeStamp
{
    public required string Name { get; set; }

    public long Value { get; set; }
}

/// <summary>The stamps there are, and what bumps them (the triggers are in the migrations).</summary>
public static class ChangeStamps
{
    /// <summary>Any insert, update or delete of a service, and any change of a client's status (it stops its services).</summary>
    public const string Services = "services";
}
