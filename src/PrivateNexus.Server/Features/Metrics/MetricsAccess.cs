using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using PrivateNexus.Server.Hosting;

namespace PrivateNexus.Server.Features.Metrics;

/// <summary>
/// Who may scrape <c>/metrics</c>: a caller from an allowed network (else 403) with the bearer token
/// when one is configured (else 401). Decided before anything is collected, so a refused scrape costs nothing.
/// </summary>
public sealed class MetricsAccess
{
    private static readonly IPNetwork[] Loopback = [IPNetwork.Parse("127.0.0.0/8"), IPNetwork.Parse("::1/128")];
    private static readonly IPNetwork[] Anywhere = [IPNetwork.Parse("0.0.0.0/0"), IPNetwork.Parse("::/0")];

    private readonly byte[]? _tokenHash;
    private readonly IPNetwork[] _networks;

    public MetricsAccess(IOptions<MetricsOptions> options)
    {
        var value = options.Value;
        _tokenHash = value.BearerToken is { Length: > 0 } token ? SHA256.HashData(Encoding.UTF8.GetBytes(token)) : null;
        _networks = value.AllowedNetworks.Length > 0
            ? [.. value.AllowedNetworks.Select(n => TryParseNetwork(n, out var network) ? network : throw new OptionsValidationException(nameof(MetricsOptions), typeof(MetricsOptions), [$"Pnx:Metrics:AllowedNetworks: '{n}' is not a CIDR."]))]
            : _tokenHash is null ? Loopback : Anywhere;
    }

    /// <summary>A CIDR, or a bare address (one host).</summary>
    public static bool TryParseNetwork(string? text, out IPNetwork network)
    {
        network = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        if (IPNetwork.TryParse(text.Trim(), out network))
        {
            return true;
        }

        if (IPAddress.TryParse(text.Trim(), out var address))
        {
            network = new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
            return true;
        }

        return false;
    }

    /// <summary>The status to refuse with, or null when the scrape may go ahead.</summary>
    public int? Refusal(IPAddress? remote, string? authorization)
    {
        if (remote is null || !Allows(remote.IsIPv4MappedToIPv6 ? remote.MapToIPv4() : remote))
        {
            return StatusCodes.Status403Forbidden;
        }

        if (_tokenHash is null)
        {
            return null;
        }

        const string scheme = "Bearer ";
        if (authorization is null || !authorization.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return StatusCodes.Status401Unauthorized;
        }

        // Compared as hashes in constant time: the length and content of the token leak nothing.
        var presented = SHA256.HashData(Encoding.UTF8.GetBytes(authorization[scheme.Length..].Trim()));
        return CryptographicOperations.FixedTimeEquals(presented, _tokenHash) ? null : StatusCodes.Status401Unauthorized;
    }

    private bool Allows(IPAddress remote)
    {
        foreach (var network in _networks)
        {
            if (network.Contains(remote))
            {
                return true;
            }
        }

        return false;
    }
}
