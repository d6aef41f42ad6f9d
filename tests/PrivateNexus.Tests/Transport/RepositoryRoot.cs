namespace PrivateNexus.Tests.Transport;

/// <summary>The checkout the tests were built from: the first directory above the test binaries that holds PrivateNexus.slnx.</summary>
internal static class RepositoryRoot
{
    public static string Path { get; } = Find();

    public static string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "PrivateNexus.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No PrivateNexus.slnx above {AppContext.BaseDirectory}: the tests must run from a checkout.");
    }
}
