namespace PrivateNexus.Tests.Authorization;

/// <summary>Every operation the matrix knows how to try, by the name its rows use.</summary>
internal static class Operations
{
    public static readonly IReadOnlyDictionary<string, Func<MatrixContext, Task<Attempt>>> All =
        new[] { QueryOperations.All, ClientMutations.All, UserAndNodeMutations.All, ServiceMutations.All, AccessMutations.All, AlertOperations.All }
            .SelectMany(part => part)
            .ToDictionary(kv => kv.Key, kv => kv.Value);
}
