using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Forge.Tests.Support;

namespace Forge.Tests.Sweeps;

/// <summary>
/// The kubernetes launcher writes an Indexed Job for the user to apply (no cluster runs here): checked structurally,
/// then its pods' command is run locally, index by index, and <c>forge sweep status</c> reads the outcomes.
/// </summary>
public class KubernetesManifestTests
{
    private static JsonObject Spec(string kubernetes) => TestSpecs.SyntheticRegression(steps: 10).With("model.width=16",
        $"sweep={{\"parameters\":{{\"optimizer.lr\":{{\"values\":[0.001,0.002,0.004]}}}},\"metric\":\"finalEvalLoss\",\"kubernetes\":{kubernetes}}}");

    [Fact]
    public async Task The_manifest_is_an_indexed_job_whose_pods_run_each_trial_and_sweep_status_reads_their_outcomes()
    {
        using var dir = new TempDirectory();
        var runs = Path.Combine(dir.Path, "runs");
        var spec = dir.File("sweep.json", Spec("{\"image\":\"registry.example/forge:1\",\"volumeClaim\":\"forge-runs\",\"gpus\":1,\"memory\":\"4Gi\"}").ToJsonString());

        var written = await CliRunner.RunAsync("sweep", spec, "--runs", runs, "--parallel", "2", "--launcher", "kubernetes");

        Assert.True(written.ExitCode == 0, written.Error);
        var folder = Directory.GetDirectories(Path.Combine(runs, "test-synthetic"), "sweep-*").Single();
        var job = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "kubernetes", "job.json")))!;
        Assert.Equal("batch/v1", job["apiVersion"]!.GetValue<string>());
        Assert.Equal("Job", job["kind"]!.GetValue<string>());
        var name = job["metadata"]!["name"]!.GetValue<string>();
        Assert.Matches(new Regex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"), name); // a DNS label, as Kubernetes requires
        var jobSpec = job["spec"]!;
        Assert.Equal("Indexed", jobSpec["completionMode"]!.GetValue<string>());
        Assert.Equal(3, jobSpec["completions"]!.GetValue<int>());
        Assert.Equal(2, jobSpec["parallelism"]!.GetValue<int>());
        var pod = jobSpec["template"]!["spec"]!;
        Assert.Equal("Never", pod["restartPolicy"]!.GetValue<string>());
        var container = pod["containers"]!.AsArray().Single()!;
        Assert.Equal("registry.example/forge:1", container["image"]!.GetValue<string>());
        Assert.Equal(new[] { "trial", "run", folder, "--index", "$(JOB_COMPLETION_INDEX)", "--skip-done" }, container["args"]!.AsArray().Select(a => a!.GetValue<string>()));
        Assert.Equal(1, container["resources"]!["limits"]!["nvidia.com/gpu"]!.GetValue<int>());
        Assert.Equal("4Gi", container["resources"]!["requests"]!["memory"]!.GetValue<string>());
        var mount = container["volumeMounts"]!.AsArray().Single()!;
        Assert.Equal(Path.GetFullPath(runs), mount["mountPath"]!.GetValue<string>()); // the sweep's paths are the same in the pods
        var volume = pod["volumes"]!.AsArray().Single(v => v!["name"]!.GetValue<string>() == mount["name"]!.GetValue<string>())!;
        Assert.Equal("forge-runs", volume["persistentVolumeClaim"]!["claimName"]!.GetValue<string>());
        Assert.False(Directory.Exists(Path.Combine(folder, "trials", "trial-000")) && File.Exists(Path.Combine(folder, "trials", "trial-000", "summary.json"))); // nothing ran

        // What the pods do, index by index; an index that is done already is skipped.
        foreach (var index in new[] { "0", "1", "2" })
            Assert.Equal(0, (await CliRunner.RunAsync("trial", "run", folder, "--index", index, "--skip-done")).ExitCode);
        var again = await CliRunner.RunAsync("trial", "run", folder, "--index", "1", "--skip-done");
        var status = await CliRunner.RunAsync("sweep", "status", folder);

        Assert.Contains("trial-001 is done; skipped.", again.Output);
        Assert.True(status.ExitCode == 0, status.Error);
        Assert.Contains("<- best", status.Output);
        var trials = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "sweep.json")))!["trials"]!.AsArray();
        Assert.All(trials, t => Assert.Equal("done", t!["state"]!.GetValue<string>()));
        Assert.Equal(4, File.ReadAllLines(Path.Combine(folder, "results.csv")).Length);
    }

    [Fact]
    public async Task Without_an_image_or_a_volume_claim_the_kubernetes_launcher_is_refused_naming_both()
    {
        using var dir = new TempDirectory();
        var spec = dir.File("sweep.json", Spec("{}").ToJsonString());

        var refused = await CliRunner.RunAsync("sweep", spec, "--runs", Path.Combine(dir.Path, "runs"), "--launcher", "kubernetes");

        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("kubernetes.image", refused.Error);
        Assert.Contains("kubernetes.volumeClaim", refused.Error);
    }
}
