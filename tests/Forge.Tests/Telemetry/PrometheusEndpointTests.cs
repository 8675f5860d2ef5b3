using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Forge.Tests.Support;

namespace Forge.Tests.Telemetry;

/// <summary>Where the Prometheus endpoint listens: every interface when asked (a cluster trial), and a failed bind naming its real cause.</summary>
public class PrometheusEndpointTests
{
    private static readonly JsonObject LongRun = TestSpecs.SyntheticRegression(steps: 1_000_000).With("training.logInterval=10", "training.evalInterval=100000");

    [Fact]
    public async Task On_every_interface_the_endpoint_answers_on_each_address_announces_this_machine_and_warns()
    {
        using var dir = new TempDirectory();
        using var stop = new CancellationTokenSource();
        var run = Task.Run(() => CliRunner.RunSpecAsync(dir, LongRun.With("metrics.prometheus.host=0.0.0.0"), stop.Token, "--metrics", "prometheus", "--metrics-port", "0"));
        string? announced = null;
        var scraped = new Dictionary<string, bool>();
        var addresses = new[] { IPAddress.Loopback }.Concat(LocalAddresses()).Distinct().ToList();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!run.IsCompleted && DateTime.UtcNow < deadline && scraped.Count(p => p.Value) < addresses.Count)
        {
            await Task.Delay(50);
            var targets = Path.Combine(dir.Path, "runs", "prometheus-targets");
            var file = Directory.Exists(targets) ? Directory.GetFiles(targets, "*.json").FirstOrDefault() : null;
            if (file is null)
                continue;
            try
            {
                announced = JsonNode.Parse(await File.ReadAllTextAsync(file))![0]!["targets"]![0]!.GetValue<string>();
                int port = int.Parse(announced.Split(':')[^1]);
                foreach (var address in addresses)
                    scraped[address.ToString()] = scraped.GetValueOrDefault(address.ToString())
                        || (await http.GetStringAsync($"http://{new IPEndPoint(address, port)}/metrics")).Contains("forge_train_loss{", StringComparison.Ordinal);
            }
            catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException or System.Text.Json.JsonException)
            {
            }
        }
        await stop.CancelAsync();
        var result = await run;

        Assert.True(addresses.All(a => scraped.GetValueOrDefault(a.ToString())), $"scraped: {string.Join(", ", scraped)}\n{result.Output}\n{result.Error}");
        Assert.NotNull(announced);
        Assert.Equal($"{Dns.GetHostName()}:", announced[..(announced.LastIndexOf(':') + 1)]); // others reach it by this machine's name
        Assert.Contains("listens on every network interface (metrics.prometheus.host)", result.Error);
        Assert.Equal(130, result.ExitCode);
    }

    [Fact]
    public async Task A_port_in_use_is_named_as_the_cause()
    {
        using var dir = new TempDirectory();
        using var busy = new TcpListener(IPAddress.Loopback, 0);
        busy.Start();
        int port = ((IPEndPoint)busy.LocalEndpoint).Port;

        var result = await CliRunner.RunSpecAsync(dir, TestSpecs.SyntheticRegression(), "--metrics", "prometheus", "--metrics-port", port.ToString());

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"port {port} is already in use on 127.0.0.1", result.Error);
        Assert.DoesNotContain("   at ", result.Error);
    }

    [Fact]
    public async Task An_address_this_machine_does_not_have_is_named_as_the_cause()
    {
        using var dir = new TempDirectory();

        var result = await CliRunner.RunSpecAsync(dir, TestSpecs.SyntheticRegression().With("metrics.prometheus.host=203.0.113.7"), "--metrics", "prometheus"); // TEST-NET-3: documentation only, never an address of a machine

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("203.0.113.7 is not an address of this machine", result.Error);
    }

    [Fact]
    public async Task An_ipv6_address_is_refused_saying_what_to_use()
    {
        using var dir = new TempDirectory();

        var result = await CliRunner.RunSpecAsync(dir, TestSpecs.SyntheticRegression().With("metrics.prometheus.host=::1"), "--metrics", "prometheus");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("metrics.prometheus.host: '::1' is an IPv6 address", result.Error);
        Assert.DoesNotContain("   at ", result.Error);
    }

    /// <summary>This machine's IPv4 addresses besides loopback (none in a bare network namespace).</summary>
    private static IEnumerable<IPAddress> LocalAddresses() =>
        NetworkInterface.GetAllNetworkInterfaces().Where(n => n.OperationalStatus == OperationalStatus.Up)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses).Select(a => a.Address)
            .Where(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a));
}
