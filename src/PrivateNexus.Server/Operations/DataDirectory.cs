namespace PrivateNexus.Server.Operations;

/// <summary>The files of the embedded default inside <c>PNX_DATA_DIR</c> that backup and restore deal with.</summary>
internal static class DataDirectory
{
    public const string DatabaseFile = "privatenexus.db";

    public static string Keys(string dataDir) => Path.Combine(dataDir, "keys");

    public static string Database(string dataDir) => Path.Combine(dataDir, DatabaseFile);

    /// <summary>Owner-only: an archive or a staging directory holds the key ring, which decrypts every secret.</summary>
    public static void OwnerOnly(string path)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, Directory.Exists(path)
                ? UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                : UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }
}
