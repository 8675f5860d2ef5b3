using System.Text.Json.Nodes;
using Forge.Core.Specs;

namespace Forge.Sweeps;

/// <summary>
/// A Kubernetes Indexed Job (batch/v1, <c>completionMode: Indexed</c>) that runs every trial of a sweep: pod i runs
/// <c>forge trial run SWEEP_DIR --index i --skip-done</c> (Kubernetes sets <c>JOB_COMPLETION_INDEX</c>), with the
/// resources of <c>sweep.kubernetes</c> and the runs folder mounted from a PersistentVolumeClaim at the same path, so
/// status files land in the shared sweep folder. Written as JSON, which <c>kubectl apply -f</c> accepts. Applying it
/// again (under a new name) runs only the trials that are not done.
/// </summary>
public static class KubernetesManifest
{
    public const string FileName = "job.json";

    public static JsonObject Render(string folder, SweepState state, int parallel, KubernetesOptions options)
    {
        var runsRoot = SweepState.RunsRootOf(folder);
        var name = ("forge-" + Path.GetFileName(Path.GetDirectoryName(folder)) + "-" + Path.GetFileName(folder)).ToLowerInvariant();
        name = new string(name.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray()).Trim('-');
        if (name.Length > 63)
            name = name[^63..].Trim('-');
        var limits = new JsonObject { ["cpu"] = options.Cpu, ["memory"] = options.Memory };
        if (options.Gpus > 0)
            limits["nvidia.com/gpu"] = options.Gpus;
        var metadata = new JsonObject { ["name"] = name, ["labels"] = new JsonObject { ["app.kubernetes.io/name"] = "forge-sweep" } };
        if (options.Namespace is { Length: > 0 } ns)
            metadata["namespace"] = ns;
        return new JsonObject
        {
            ["apiVersion"] = "batch/v1",
            ["kind"] = "Job",
            ["metadata"] = metadata,
            ["spec"] = new JsonObject
            {
                ["completionMode"] = "Indexed",
                ["completions"] = state.Trials.Count,
                ["parallelism"] = parallel,
                ["backoffLimit"] = 0, // a failed trial is recorded in its status file; resume decides what runs again
                ["template"] = new JsonObject
                {
                    ["spec"] = new JsonObject
                    {
                        ["restartPolicy"] = "Never",
                        ["containers"] = new JsonArray(new JsonObject
                        {
                            ["name"] = "trial",
                            ["image"] = options.Image,
                            ["command"] = new JsonArray(options.Command.Select(c => (JsonNode)JsonValue.Create(c)!).ToArray()),
                            ["args"] = new JsonArray("trial", "run", folder, "--index", "$(JOB_COMPLETION_INDEX)", "--skip-done"),
                            ["resources"] = new JsonObject { ["requests"] = limits.DeepClone(), ["limits"] = limits },
                            ["volumeMounts"] = new JsonArray(new JsonObject { ["name"] = "runs", ["mountPath"] = runsRoot }),
                        }),
                        ["volumes"] = new JsonArray(new JsonObject
                        {
                            ["name"] = "runs",
                            ["persistentVolumeClaim"] = new JsonObject { ["claimName"] = options.VolumeClaim },
                        }),
                    },
                },
            },
        };
    }
}
