using System.Net;
using System.Net.Sockets;

namespace Forge.Host.Telemetry;

/// <summary>A TCP port nobody listens on right now, found by letting the OS pick one.</summary>
internal static class FreePort
{
    public static int On(string host = "127.0.0.1")
    {
        using var probe = new TcpListener(IPAddress.TryParse(host, out var address) ? address : IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
