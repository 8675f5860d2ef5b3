using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Forge.Core.Errors;
using Forge.Core.Specs;

namespace Forge.Core.Telemetry;

/// <summary>
/// Where a run's Prometheus scrape endpoint listens and how others reach it. <c>metrics.prometheus.host</c> is an
/// address of this machine (127.0.0.1 by default: this machine only), a host name that resolves to one, or
/// <c>0.0.0.0</c> / <c>::</c> / <c>*</c> for every interface, which a Prometheus on another machine needs (a cluster
/// trial); the endpoint is then announced by this machine's name. Before the exporter starts, the address and port
/// are tried, so a failure names its real cause: a port in use, an address this machine does not have, a port that
/// needs privileges.
/// </summary>
/// <param name="ListenHost">What the HTTP listener serves: the host as written, or <c>+</c> (every interface).</param>
/// <param name="Port">The port (a free one when 0 was asked for).</param>
/// <param name="AdvertisedHost">The name others scrape it by: the host as written, or this machine's name for every interface.</param>
/// <param name="AllInterfaces">Whether it listens on every interface, so is reachable from the network.</param>
public sealed record PrometheusEndpoint(string ListenHost, int Port, string AdvertisedHost, bool AllInterfaces)
{
    private static readonly string[] EveryInterface = { "0.0.0.0", "::", "[::]", "*", "+" };

    /// <summary>The scrape URL as others use it.</summary>
    public string Url => string.Create(CultureInfo.InvariantCulture, $"http://{AdvertisedHost}:{Port}/metrics");

    /// <summary>The address Prometheus's file discovery gets.</summary>
    public Uri Target => new(Url);

    /// <summary>The endpoint <paramref name="options"/> ask for, once its address and port were found free to bind.</summary>
    public static PrometheusEndpoint Resolve(PrometheusOptions options)
    {
        var host = options.Host.Trim();
        bool all = EveryInterface.Contains(host);
        var address = all ? IPAddress.Any : Address(host);
        int port = options.Port == 0 ? FreePort.On(address) : options.Port;
        Probe(address, host, port);
        return new PrometheusEndpoint(all ? "+" : host, port, all ? Dns.GetHostName() : host, all);
    }

    /// <summary>The warning a run prints when the endpoint is open to the network.</summary>
    public string? Warning => AllInterfaces
        ? $"the Prometheus endpoint {Url} listens on every network interface (metrics.prometheus.host): anyone who can reach this machine can read this run's metrics. Use 127.0.0.1 to keep it to this machine."
        : null;

    private static IPAddress Address(string host)
    {
        if (IPAddress.TryParse(host.Trim('[', ']'), out var address))
            return address.AddressFamily != AddressFamily.InterNetworkV6 ? address
                : throw new RunSetupException($"metrics.prometheus.host: '{host}' is an IPv6 address, which the Prometheus exporter's listener cannot serve on its own. Use an IPv4 address (127.0.0.1: this machine only), a host name, or 0.0.0.0 (every interface).");
        try
        {
            return Dns.GetHostAddresses(host).OrderBy(a => a.AddressFamily == AddressFamily.InterNetwork ? 0 : 1).First();
        }
        catch (Exception e) when (e is SocketException or ArgumentException or InvalidOperationException)
        {
            throw new RunSetupException($"metrics.prometheus.host: '{host}' is neither an address nor a name this machine can resolve ({e.Message}). Use 127.0.0.1 (this machine only) or 0.0.0.0 (every interface).", e);
        }
    }

    /// <summary>Binds and releases the address and port, turning a failure into the message that says why.</summary>
    private static void Probe(IPAddress address, string host, int port)
    {
        try
        {
            using var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(address, port));
            socket.Listen();
        }
        catch (SocketException e)
        {
            var cause = e.SocketErrorCode switch
            {
                SocketError.AddressAlreadyInUse => $"port {port} is already in use on {host} (another run, or another program, is serving it); set another metrics.prometheus.port, or 0 (--metrics-port 0) to pick a free one",
                SocketError.AddressNotAvailable => $"{host} is not an address of this machine; use 127.0.0.1 (this machine only), 0.0.0.0 (every interface) or one of this machine's addresses",
                SocketError.AccessDenied => $"binding port {port} is not allowed for this user (ports below 1024 need privileges); use a port of 1024 or more, or 0 to pick a free one",
                _ => $"binding {host}:{port} failed ({e.SocketErrorCode}: {e.Message})",
            };
            throw new RunSetupException($"metrics: cannot serve the Prometheus endpoint: {cause}.", e);
        }
    }
}
