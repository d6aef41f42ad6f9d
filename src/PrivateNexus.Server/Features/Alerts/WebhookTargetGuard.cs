using System.Net;
using System.Net.Sockets;

namespace PrivateNexus.Server.Features.Alerts;

/// <summary>
/// Connects webhook requests only to public addresses: the check runs on the addresses the name
/// resolved to, at connect time, so neither a private literal nor a name pointing at one (or
/// re-pointed after the channel was saved) gets through.
/// </summary>
internal static class WebhookTargetGuard
{
    public static async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, bool allowPrivate, CancellationToken cancellationToken)
    {
        var addresses = IPAddress.TryParse(context.DnsEndPoint.Host, out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(context.DnsEndPoint.Host, cancellationToken);
        var allowed = addresses.Where(a => allowPrivate || IsPublic(a)).ToList();
        if (allowed.Count == 0)
        {
            throw new NotificationFailedException($"'{context.DnsEndPoint.Host}' is not a public address; webhooks of clients may not reach private networks.");
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(allowed.ToArray(), context.DnsEndPoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public static bool IsPublic(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any))
        {
            return false;
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            var v6 = address.GetAddressBytes();

            // Addresses that carry an IPv4 address (NAT64 64:ff9b::/96, 6to4 2002::/16, IPv4-compatible
            // ::a.b.c.d) reach that IPv4 address: judge it instead — 64:ff9b::a9fe:a9fe is the metadata service.
            if (EmbeddedIPv4(v6) is { } embedded)
            {
                return IsPublic(embedded);
            }

            return !(address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast || address.IsIPv6Teredo
                || (v6[0] & 0xFE) == 0xFC);
        }

        var b = address.GetAddressBytes();
        return !(b[0] == 10 || b[0] == 0 || b[0] >= 224
            || (b[0] == 172 && b[1] >= 16 && b[1] <= 31)
            || (b[0] == 192 && b[1] == 168)
            || (b[0] == 192 && b[1] == 0 && b[2] == 0)
            || (b[0] == 198 && (b[1] == 18 || b[1] == 19))
            || (b[0] == 169 && b[1] == 254)
            || (b[0] == 100 && b[1] >= 64 && b[1] <= 127));
    }

    private static IPAddress? EmbeddedIPv4(byte[] v6)
    {
        bool Zero(int from, int to) => v6.AsSpan(from, to - from).IndexOfAnyExcept((byte)0) < 0;

        if (v6[0] == 0x00 && v6[1] == 0x64 && v6[2] == 0xFF && v6[3] == 0x9B && Zero(4, 12))
        {
            return new IPAddress(v6.AsSpan(12, 4));
        }

        if (v6[0] == 0x20 && v6[1] == 0x02)
        {
            return new IPAddress(v6.AsSpan(2, 4));
        }

        return Zero(0, 12) && !Zero(12, 16) ? new IPAddress(v6.AsSpan(12, 4)) : null;
    }
}
