using System.Globalization;
using System.Net;
using System.Text;
using Forge.Tests.Support;
using Forge.Core.Telemetry;

namespace Forge.Tests.Telemetry;

/// <summary>The OTLP exporter pushes a run's metrics to a collector (here a loopback HTTP endpoint standing in for one).</summary>
public class OtlpExportTests
{
    [Fact]
    public async Task A_run_pushes_its_metrics_over_otlp_http_with_its_identity()
    {
        using var dir = new TempDirectory();
        int port = FreePort.On();
        using var collector = new HttpListener();
        collector.Prefixes.Add($"http://127.0.0.1:{port}/");
        collector.Start();
        var bodies = new List<(string Path, string ContentType, byte[] Body)>();
        var receiving = Task.Run(async () =>
        {
            while (collector.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await collector.GetContextAsync();
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
                {
                    return;
                }
                using var buffer = new MemoryStream();
                await context.Request.InputStream.CopyToAsync(buffer);
                lock (bodies)
                    bodies.Add((context.Request.Url!.AbsolutePath, context.Request.ContentType ?? "", buffer.ToArray()));
                context.Response.StatusCode = 200;
                context.Response.Close();
            }
        });
        var spec = TestSpecs.SyntheticRegression(steps: 30).With(
            "metrics.otlp.protocol=httpProtobuf", $"metrics.otlp.endpoint=http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/v1/metrics",
            "metrics.exportIntervalSeconds=0.2");

        var result = await CliRunner.RunSpecAsync(dir, spec, "--metrics", "otlp");
        collector.Stop();
        await receiving;

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.NotEmpty(bodies); // at least the final push when the run ends
        Assert.All(bodies, b => Assert.Equal("/v1/metrics", b.Path));
        Assert.Contains(bodies, b => b.ContentType.Contains("protobuf", StringComparison.Ordinal));
        // Protobuf keeps strings as UTF-8: the instrument names and the run's identity are in the payload.
        var text = string.Concat(bodies.Select(b => Encoding.UTF8.GetString(b.Body)));
        var runId = Path.GetFileName(CliRunner.RunFolder(dir));
        foreach (var expected in new[] { "forge.train.loss", "forge.step.duration", "forge.tokens", "run_id", runId, "test-synthetic" })
            Assert.Contains(expected, text);
    }

}
