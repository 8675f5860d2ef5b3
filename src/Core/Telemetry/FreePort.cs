using System.Net;
using System.Net.Sockets;

namespace Forge.Core.Telemetry;

/// <summary>A TCP port nobody listens on right now, found by letting the OS pick one.</summary>
public static class FreePort
{
    public static int On(string host = "127.0.0.1") => On(IPAddress.TryParse(host, out var address) ? address : IPAddress.Loopback);

    public static int On(IPAddress address)
    {
        using var probe = new TcpListener(address, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
