using System.Net;
using System.Net.Sockets;

namespace PaymentHub.Webhooks;

/// <summary>Thrown when a callback's host resolves only to addresses a delivery may not go to.</summary>
public sealed class WebhookAddressRefusedException(string message) : Exception(message);

/// <summary>
/// The SSRF guard. A callback URL is the reseller's to choose, so the gateway must not become a way into its own network:
/// outside Development a delivery goes only to public unicast addresses. The check runs when the connection is made,
/// on the addresses DNS gives then, and the socket connects to an address it checked, so a name that re-resolves
/// between check and connect (DNS rebinding) cannot slip a private address in.
/// </summary>
public static class WebhookAddressGuard
{
    /// <summary>Whether a delivery may go to <paramref name="address"/> when local endpoints are not allowed.</summary>
    public static bool IsPublic(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        return address.AddressFamily switch
        {
            AddressFamily.InterNetwork => IsPublicV4(address.GetAddressBytes()),
            AddressFamily.InterNetworkV6 => IsPublicV6(address),
            _ => false,
        };
    }

    private static bool IsPublicV4(byte[] b) => !(
        b[0] == 0                                        // "this network", 0.0.0.0
        || b[0] == 10                                    // private
        || b[0] == 127                                   // loopback
        || (b[0] == 100 && b[1] >= 64 && b[1] <= 127)    // carrier-grade NAT
        || (b[0] == 169 && b[1] == 254)                  // link-local (cloud metadata lives here)
        || (b[0] == 172 && b[1] >= 16 && b[1] <= 31)     // private
        || (b[0] == 192 && b[1] == 0 && b[2] == 0)       // IETF protocol assignments
        || (b[0] == 192 && b[1] == 0 && b[2] == 2)       // documentation
        || (b[0] == 192 && b[1] == 168)                  // private
        || (b[0] == 198 && (b[1] == 18 || b[1] == 19))   // benchmarking
        || (b[0] == 198 && b[1] == 51 && b[2] == 100)    // documentation
        || (b[0] == 203 && b[1] == 0 && b[2] == 113)     // documentation
        || b[0] >= 224);                                 // multicast, reserved, broadcast

    private static bool IsPublicV6(IPAddress address)
    {
        if (address.Equals(IPAddress.IPv6None) || address.Equals(IPAddress.IPv6Loopback)
            || address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast || address.IsIPv6UniqueLocal)
        {
            return false;
        }
        var b = address.GetAddressBytes();
        // IPv4-compatible (::a.b.c.d), NAT64 (64:ff9b::/96) and 6to4 (2002::/16) carry an IPv4 address: judge that one.
        if (b.Take(12).All(x => x == 0))
        {
            return IsPublicV4(b[12..]);
        }
        if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && b.Skip(4).Take(8).All(x => x == 0))
        {
            return IsPublicV4(b[12..]);
        }
        if (b[0] == 0x20 && b[1] == 0x02)
        {
            return IsPublicV4(b[2..6]);
        }
        // Documentation (2001:db8::/32) and discard-only (100::/64).
        return !(b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) && !(b[0] == 0x01 && b[1] == 0x00 && b.Skip(2).Take(6).All(x => x == 0));
    }

    /// <summary>localhost, a name under it (RFC 6761), either with the root's trailing dot, or a loopback address.</summary>
    public static bool IsLoopbackHost(string host)
    {
        var name = host.TrimEnd('.');
        return name.Equals("localhost", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase)
               || (IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));
    }

    /// <summary>
    /// The connect step of the sender's handler: resolve, keep the allowed addresses (all of them when
    /// <paramref name="allowLocal"/>), connect to the first that answers.
    /// </summary>
    public static async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, bool allowLocal, CancellationToken ct)
    {
        var host = context.DnsEndPoint.Host;
        var resolved = IPAddress.TryParse(host.Trim('[', ']'), out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(host, ct);
        var allowed = allowLocal ? resolved : resolved.Where(IsPublic).ToArray();
        if (allowed.Length == 0)
        {
            throw new WebhookAddressRefusedException(
                $"Refused: {host} resolves only to private, loopback, link-local or reserved addresses ({string.Join(", ", resolved.Take(4))}).");
        }
        SocketException? last = null;
        foreach (var address in allowed)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, context.DnsEndPoint.Port), ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException ex)
            {
                socket.Dispose();
                last = ex;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
        throw last!;
    }
}
