using System.Security.Cryptography.X509Certificates;
using Docker.DotNet;
using Docker.DotNet.X509;
using PrivateNexus.Server.Common;
using PrivateNexus.Server.Features.Nodes;

namespace PrivateNexus.Server.Engine;

/// <summary>
/// Builds Docker Engine API clients for nodes: a unix socket, or tcp with TLS client certificates
/// (decrypted from the node's record only here). The API version is never pinned: the client talks
/// to the engine's own default, so old engines and Podman work.
/// </summary>
public sealed class EngineClientFactory(SecretProtector secrets, ILoggerFactory loggers)
{
    public IDockerClient Create(Node node)
    {
        var builder = new DockerClientBuilder()
            .WithEndpoint(new Uri(node.Endpoint))
            .WithTimeout(Timeout.InfiniteTimeSpan)
            .WithLogger(loggers.CreateLogger("PrivateNexus.Server.Engine.DockerClient"));
        if (node.TlsClientCertificate is { } certificate && node.TlsClientKeyProtected is { } protectedKey)
        {
            var client = X509Certificate2.CreateFromPem(certificate, secrets.Unprotect(protectedKey));
            var credentials = new CertificateCredentials(client);
            if (node.TlsCaCertificate is { } caPem)
            {
                // Trust exactly the node's CA, not the machine's store: engines use private CAs.
                credentials.ServerCertificateValidationCallback = (_, presented, _, _) => presented is not null && IssuedBy(presented, caPem);
            }

            builder = builder.WithAuthProvider(credentials);
        }

        return builder.Build();
    }

    private static bool IssuedBy(X509Certificate presented, string caPem)
    {
        using var ca = X509Certificate2.CreateFromPem(caPem);
        using var leaf = X509CertificateLoader.LoadCertificate(presented.GetRawCertData());
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(leaf);
    }
}
