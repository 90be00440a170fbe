using System.Net;
using System.Net.Sockets;

namespace PaymentHub.Tests.Infrastructure;

/// <summary>Loopback ports for a server a test starts, or for one that must refuse connections.</summary>
public static class LoopbackPorts
{
    /// <summary>A port free a moment ago (the OS picked it for a listener that is closed again at once).</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>A URL nothing listens on: connecting to it is refused before a byte is sent.</summary>
    public static string ClosedUrl() => $"http://127.0.0.1:{Free()}/";
}
