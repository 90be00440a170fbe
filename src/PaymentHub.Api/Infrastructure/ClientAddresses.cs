using System.Net;

namespace PaymentHub.Infrastructure;

public static class ClientAddresses
{
    /// <summary>IPv4 clients reaching a dual-stack socket arrive as ::ffff:a.b.c.d; one client, one form.</summary>
    public static IPAddress Canonical(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    /// <summary>The client's address as counters and logs name it: canonical, or "unknown" without one.</summary>
    public static string Key(IPAddress? address) => address is null ? "unknown" : Canonical(address).ToString();
}
