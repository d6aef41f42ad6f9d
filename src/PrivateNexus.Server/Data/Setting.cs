namespace PrivateNexus.Server.Data;

/// <summary>Small server-wide facts (the setup token hash, key material) that are not features.</summary>
public sealed class Setting
{
    public required string Key { get; set; }

    public required string Value { get; set; }
}
