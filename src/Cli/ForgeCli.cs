using System.CommandLine;
using Forge.Cli.Commands;
using Forge.Cli.Rendering;
using Forge.Core.Plots;
using Forge.Core.Plugins;
using Forge.Core.Specs;
using Forge.Sweeps;
using Forge.Core.Errors;

namespace Forge.Cli;

/// <summary>The <c>forge</c> command line: its commands, their arguments and options, and the process entry.</summary>
internal sealed class ForgeCli(TextWriter output, TextWriter error, bool interactiveConsole)
{
    /// <summary>The process entry: SIGINT and SIGTERM stop a run after its current step (a second one exits at once).</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        using var signals = new TerminationSignals(System.Console.Error);
        int exitCode = await new ForgeCli(System.Console.Out, System.Console.Error, interactiveConsole: true).InvokeAsync(args, signals.Token);
        Forge.Core.Distributed.Collectives.Leave(exitCode); // under MPI, a failed rank ends the job instead of leaving the others waiting
        return exitCode;
    }

    /// <summary>Live displays only on an interactive terminal without --plain.</summary>
    private bool Live(bool plain) => ConsoleMode.IsLive(plain, interactiveConsole);

    public async Task<int> InvokeAsync(string[] args, CancellationToken cancellationToken = default)
    {
        var root = BuildCommands();
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0 && parsed.Action is not System.CommandLine.Help.HelpAction)
        {
            foreach (var parseError in parsed.Errors)
                await error.WriteLineAsync($"error: {parseError.Message}");
            await error.WriteLineAsync("Run 'forge --help' for usage.");
            return ExitCodes.BadInput;
        }
        PluginSearchPath.UseCommandLine(parsed.GetValue(PluginPaths) ?? Array.Empty<string>());
        // Forge handles SIGINT/SIGTERM itself (TerminationSignals): System.CommandLine's own handler would end the
        // process after a timeout, possibly in the middle of writing a checkpoint.
        return await parsed.InvokeAsync(new InvocationConfiguration { Output = output, Error = error, ProcessTerminationTimeout = null }, cancellationToken);
    }

    /// <summary><c>--verbose</c> on every command: informational logs, and the stack trace of an unexpected failure.</summary>
    private static readonly Option<bool> VerboseFlag = new("--verbose")
    {
        Description = "Show informational logs and the stack trace of an unexpected failure",
        Recursive = true,
    };

    /// <summary><c>--plugins PATH</c> on every command: a third-party plugin's .dll or build folder to load (repeatable).</summary>
    private static readonly Option<string[]> PluginPaths = new("--plugins")
    {
        Description = "Load third-party plugins from this .dll or build folder (repeatable; also FORGE_PLUGIN_PATH)",
        Recursive = true,
        Arity = ArgumentArity.ZeroOrMore,
        AllowMultipleArgumentsPerToken = false,
    };

    private Command BuildCommands()
    {
        var spec = new Argument<string>("spec") { Description = "Path of the experiment spec (JSON), e.g. experiments/quickstart.json" };
        var set = new Option<string[]>("--set")
        {
            Description = "Override a spec field: --set optimizer.lr=0.01 --set model.width=256 (repeatable; recorded in the run folder)",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var runs = new Option<string>("--runs") { Description = "Folder that run folders are created in", DefaultValueFactory = _ => "runs" };
        var plain = new Option<bool>("--plain") { Description = "Plain progress lines instead of a live progress bar" };
        var schemaOutput = new Option<string?>("--output") { Description = "Write the schema to this file instead of standard output" };

        var metricsExporters = new Option<string?>("--metrics") { Description = "Metrics exporters, comma-separated: prometheus, otlp, console (instead of the spec's metrics.exporters)" };
        metricsExporters.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is { } text && RunFlagParsing.Exporters(text).Error is { } problem)
                result.AddError(problem);
        });
        var metricsPort = new Option<int?>("--metrics-port") { Description = "Port of the Prometheus endpoint (0 = pick a free port and print it; instead of the spec's metrics.prometheus.port)" };
        metricsPort.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int?>() is { } port && port is < 0 or > 65535)
                result.AddError($"--metrics-port {port} is not a port; give 0 (a free one) to 65535.");
        });
        var resumeFrom = new Option<string?>("--resume") { Description = "auto (default: continue this spec's unfinished run from its newest checkpoint), never, or a checkpoint or run folder to start from (instead of the spec's resume)" };
        var run = new Command("run", "Train a model as the spec describes and leave a run folder behind") { spec, set, runs, plain, metricsExporters, metricsPort, resumeFrom };
        run.SetAction((result, token) => new RunCommand(output, error, Live(result.GetValue(plain))) { Verbose = result.GetValue(VerboseFlag) }.ExecuteAsync(
            result.GetValue(spec)!, result.GetValue(set) ?? Array.Empty<string>(),
            new RunFlags(result.GetValue(metricsExporters) is { } exporters ? RunFlagParsing.Exporters(exporters).Exporters : null, result.GetValue(metricsPort), result.GetValue(resumeFrom)),
            result.GetValue(runs)!, token));

        var explain = new Option<bool>("--explain") { Description = "Also list every field of the expanded spec and the file (of its extends chain) or --set that gave it" };
        var validate = new Command("validate", "Check a spec (and the plugins it names) without training") { spec, set, explain };
        validate.SetAction((result, token) => new ValidateCommand(output, error) { Verbose = result.GetValue(VerboseFlag) }.ExecuteAsync(
            result.GetValue(spec)!, result.GetValue(set) ?? Array.Empty<string>(), result.GetValue(explain), token));

        var checkpointArgument = new Argument<string>("checkpoint") { Description = "A checkpoint folder (runs/NAME/TIME/checkpoints/step-N)" };
        var upscaleWidth = new Option<int>("--width") { Description = "The new width: an integer multiple of the checkpoint's", Required = true };
        var upscaleNoise = new Option<double>("--noise") { Description = "Symmetry-breaking noise: this times a fresh initialisation of each weight matrix at the new width (default 0: the same function exactly)" };
        var upscaleOutput = new Option<string?>("--output") { Description = "Where to write the widened spec (default: NAME-wWIDTH.json beside the checkpoint's spec)" };
        var upscale = new Command("upscale", "Widen a trained checkpoint by an integer factor into a spec that continues training from it (same function, muP-consistent optimizer state)") { checkpointArgument, upscaleWidth, upscaleNoise, upscaleOutput };
        upscale.SetAction((result, token) => new UpscaleCommand(output, error) { Verbose = result.GetValue(VerboseFlag) }.ExecuteAsync(
            result.GetValue(checkpointArgument)!, result.GetValue(upscaleWidth), result.GetValue(upscaleNoise), result.GetValue(upscaleOutput), token));

        var prepareInputs = new Argument<string[]>("inputs") { Description = "Text (.txt) or JSONL (.jsonl) files, gzip of either (.gz), or folders of them", Arity = ArgumentArity.OneOrMore };
        var prepareTokenizer = new Option<string>("--tokenizer") { Description = "char, gpt2, r50k, cl100k, o200k, or the path of a SentencePiece .model file (Llama's tokenizer.model)", Required = true };
        var prepareOutput = new Option<string>("--output") { Description = "Folder for train.bin, val.bin and meta.json", Required = true };
        var prepareValFraction = new Option<double>("--val-fraction") { Description = "Fraction of the corpus's characters, from its end, held out", DefaultValueFactory = _ => 0.1 };
        var prepareFormat = new Option<string>("--format") { Description = "nanogpt (raw uint16/uint32 tokens) or llmc (llm.c's header, then the tokens)", DefaultValueFactory = _ => "nanogpt" };
        prepareFormat.AcceptOnlyFromAmong("nanogpt", "llmc");
        var prepareField = new Option<string>("--field") { Description = "The JSONL field that holds each document's text", DefaultValueFactory = _ => "text" };
        var prepare = new Command("prepare", "Encode a text corpus into token files (train.bin, val.bin, meta.json) for the tokens dataset")
        {
            prepareInputs, prepareTokenizer, prepareOutput, prepareValFraction, prepareFormat, prepareField,
        };
        prepare.SetAction((result, token) => new PrepareCommand(output, error) { Verbose = result.GetValue(VerboseFlag), Live = Live(false) && !System.Console.IsErrorRedirected }.ExecuteAsync(
            new Forge.Core.Corpora.PrepareOptions(result.GetValue(prepareInputs)!, result.GetValue(prepareTokenizer)!, result.GetValue(prepareOutput)!, result.GetValue(prepareValFraction),
                result.GetValue(prepareFormat) == "llmc", result.GetValue(prepareField)!), token));

        var schema = new Command("schema", "Print the JSON Schema of experiment specs, generated from the plugins' options") { schemaOutput };
        schema.SetAction((result, token) => new SchemaCommand(output, error) { Verbose = result.GetValue(VerboseFlag) }.ExecuteAsync(result.GetValue(schemaOutput), token));

        var json = new Option<bool>("--json") { Description = "Machine-readable output" };
        var inspect = new Command("inspect", "Show every tensor's role, shape, init, multiplier and effective learning rate and weight decay as training will use them") { spec, set, json };
        inspect.SetAction((result, token) => new InspectCommand(output, error) { Verbose = result.GetValue(VerboseFlag) }.ExecuteAsync(
            result.GetValue(spec)!, result.GetValue(set) ?? Array.Empty<string>(), result.GetValue(json), token));

        var trainedCheckpoint = new Argument<string>("checkpoint") { Description = "A checkpoint folder (runs/NAME/checkpoints/step-…), or a run folder for its newest valid checkpoint" };
        var evalData = new Option<string?>("--data") { Description = "Evaluate on this instead of the run's held-out data: a folder forge prepare wrote, a .bin token file, or a text file (its held-out part); same tokenizer as the run" };
        var evalContext = new Option<int?>("--context") { Description = "Tokens per evaluated window (default: the training context)" };
        var evalBatches = new Option<int?>("--batches") { Description = "Held-out batches of training.batchSize windows (default: training.evalBatches)" };
        var evaluate = new Command("eval", "Held-out loss, perplexity and bits per byte of a checkpoint") { trainedCheckpoint, evalData, evalContext, evalBatches, json };
        evaluate.SetAction((result, token) => new EvalCommand(output, error) { Verbose = result.GetValue(VerboseFlag) }.ExecuteAsync(
            result.GetValue(trainedCheckpoint)!, new Forge.Core.Inference.EvaluationRequest(result.GetValue(evalData), result.GetValue(evalContext), result.GetValue(evalBatches)),
            result.GetValue(json), token));

        var samplePrompt = new Option<string>("--prompt") { Description = "Text to continue (default: none; the sample starts from the end-of-text token, or a newline for char)", DefaultValueFactory = _ => "" };
        var sampleTokens = new Option<int>("--tokens") { Description = "Tokens to generate", DefaultValueFactory = _ => 200 };
        var sampleTemperature = new Option<double>("--temperature") { Description = "Divides the logits; 0 always takes the most likely token", DefaultValueFactory = _ => 0.8 };
        var sampleTopK = new Option<int?>("--top-k") { Description = "Draw only among the k most likely tokens" };
        var sampleTopP = new Option<double?>("--top-p") { Description = "Draw only among the most likely tokens whose probabilities sum to p" };
        var sampleSeed = new Option<long>("--seed") { Description = "Seed of the draws (the same seed gives the same text)", DefaultValueFactory = _ => 1 };
        var sampleNoCache = new Option<bool>("--no-cache") { Description = "Run the whole window again for every token instead of continuing from the key-value cache" };
        var sample = new Command("sample", "Generate text from a checkpoint, streamed as it is generated") { trainedCheckpoint, samplePrompt, sampleTokens, sampleTemperature, sampleTopK, sampleTopP, sampleSeed, sampleNoCache };
        sample.SetAction((result, token) => new SampleCommand(output, error) { Verbose = result.GetValue(VerboseFlag) }.ExecuteAsync(
            result.GetValue(trainedCheckpoint)!, new Forge.Core.Inference.SamplingOptions(result.GetValue(samplePrompt)!, result.GetValue(sampleTokens), result.GetValue(sampleTemperature),
                result.GetValue(sampleTopK), result.GetValue(sampleTopP), result.GetValue(sampleSeed), !result.GetValue(sampleNoCache)), token));

        var widths = new Option<string>("--widths") { Description = "Comma-separated widths", DefaultValueFactory = _ => "64,128,256,512,1024" };
        var steps = new Option<int>("--steps") { Description = "Training steps on the fixed batch (step 1 is measured at initialisation)", DefaultValueFactory = _ => 3 };
        var seeds = new Option<int>("--seeds") { Description = "Seeds averaged per width", DefaultValueFactory = _ => 1 };
        var tolerance = new Option<double>("--tolerance") { Description = "Largest allowed change of a module's size per 4x width (1.2 = ±20 %)", DefaultValueFactory = _ => 1.2 };
        var coordCheck = new Command("coord-check", "Coordinate check: is every module's activation size flat across widths during the first steps?")
        {
            spec, set, widths, steps, seeds, tolerance, runs,
        };
        coordCheck.SetAction((result, token) => new CoordinateCheckCommand(output, error) { Verbose = result.GetValue(VerboseFlag) }.ExecuteAsync(
            result.GetValue(spec)!, result.GetValue(set) ?? Array.Empty<string>(), result.GetValue(widths)!, result.GetValue(steps),
            result.GetValue(seeds), result.GetValue(tolerance), result.GetValue(runs)!, token));

        var parallel = new Option<int>("--parallel") { Description = "Trials run at once, each in its own process", DefaultValueFactory = _ => Math.Max(1, Environment.ProcessorCount) };
        var failFast = new Option<bool>("--fail-fast") { Description = "Stop the sweep at the first failed trial" };
        var sweepFolder = new Argument<string>("folder") { Description = "The sweep folder (runs/<name>/sweep-<time>)" };
        var freshProcesses = new Option<bool>("--fresh-processes")
        {
            Description = "Start a new process for every trial (the default reuses each worker process for several trials unless third-party plugins are loaded)",
        };
        var launcher = new Option<LauncherKind?>("--launcher") { Description = "Where trials run: local (processes on this machine), slurm (one job array; resources from the spec's sweep.slurm) or kubernetes (an Indexed Job manifest to apply; sweep.kubernetes)" };
        var resume = new Command("resume", "Run the trials of an interrupted sweep that are not done") { sweepFolder, parallel, failFast, plain, freshProcesses, launcher };
        resume.SetAction((result, token) => new SweepCommand(output, error, Live(result.GetValue(plain)), result.GetValue(freshProcesses), result.GetValue(launcher)) { Verbose = result.GetValue(VerboseFlag) }.ResumeAsync(
            result.GetValue(sweepFolder)!, Math.Max(1, result.GetValue(parallel)), result.GetValue(failFast), token));
        var status = new Command("status", "Read every trial's outcome (from trials/ID/status.json too, wherever it ran) and write results.csv, the plots and the table") { sweepFolder };
        status.SetAction((result, token) => new SweepCommand(output, error) { Verbose = result.GetValue(VerboseFlag) }.StatusAsync(result.GetValue(sweepFolder)!, token));
        var worker = new Command("worker", "Run sweep trials sent on standard input, one after another (started by forge sweep)") { Hidden = true };
        worker.SetAction((_, token) => SweepWorker.RunAsync(System.Console.In, System.Console.Out, token));
        var sweep = new Command("sweep", "Run the trials of the spec's sweep section in parallel processes; results.csv and plots in the sweep folder")
        {
            spec, set, runs, parallel, failFast, plain, freshProcesses, launcher, resume, status, worker,
        };
        sweep.SetAction((result, token) => new SweepCommand(output, error, Live(result.GetValue(plain)), result.GetValue(freshProcesses), result.GetValue(launcher)) { Verbose = result.GetValue(VerboseFlag) }.StartAsync(
            result.GetValue(spec)!, result.GetValue(set) ?? Array.Empty<string>(), result.GetValue(runs)!, Math.Max(1, result.GetValue(parallel)),
            result.GetValue(failFast), token));

        var trialFolder = new Argument<string>("sweep-folder") { Description = "The sweep folder (runs/<name>/sweep-<time>)" };
        var trialIndex = new Option<int>("--index") { Description = "The trial's index in the sweep (0-based, as in trial-NNN)", Required = true };
        var trialThreads = new Option<int>("--threads") { Description = "CPU threads (default: SLURM_CPUS_PER_TASK, else every core this process may use)" };
        var skipDone = new Option<bool>("--skip-done") { Description = "Exit at once when the trial is already done (a re-applied Kubernetes Job runs only unfinished trials)" };
        var trialRun = new Command("run", "Run one trial of a sweep and record its outcome in trials/ID/status.json (what a cluster launcher runs)") { trialFolder, trialIndex, trialThreads, skipDone };
        trialRun.SetAction((result, token) => new TrialCommand(output, error) { Verbose = result.GetValue(VerboseFlag) }.RunAsync(
            result.GetValue(trialFolder)!, result.GetValue(trialIndex), result.GetValue(trialThreads), result.GetValue(skipDone), token));
        var trial = new Command("trial", "One trial of a sweep") { trialRun };

        var from = new Option<string>("--from") { Description = "The proxy's sweep folder", Required = true };
        var to = new Option<string>("--to") { Description = "The target spec", Required = true };
        var transferOutput = new Option<string?>("--output") { Description = "Where to write the target spec with the transferred values" };
        var metric = new Option<SweepMetric?>("--metric") { Description = "Compare trials by this metric instead of the sweep's" };
        var runTarget = new Option<bool>("--run") { Description = "Train the target spec afterwards" };
        var transfer = new Command("transfer", "Apply the best hyperparameters of a proxy sweep to a target spec") { from, to, transferOutput, metric, runTarget, runs };
        transfer.SetAction((result, token) => new TransferCommand(output, error) { Verbose = result.GetValue(VerboseFlag) }.ExecuteAsync(
            result.GetValue(from)!, result.GetValue(to)!, result.GetValue(transferOutput), result.GetValue(metric), result.GetValue(runTarget), result.GetValue(runs)!, token));

        var runFolders = new Argument<string[]>("runs") { Description = "Run folders (runs/<name>/<time>)", Arity = ArgumentArity.OneOrMore };
        var plotOutput = new Option<string?>("--output") { Description = "Write PATH.png and PATH.svg (default: loss.png and loss.svg in the first run folder)" };
        var plotTitle = new Option<string?>("--title") { Description = "Title of the figure" };
        var plotAxis = new Option<LossAxis>("--x") { Description = "Horizontal axis: step or tokens (language models)", DefaultValueFactory = _ => LossAxis.Step };
        var plot = new Command("plot", "Plot training and evaluation loss against step or tokens for one or many runs") { runFolders, plotOutput, plotTitle, plotAxis };
        plot.SetAction((result, token) => new PlotCommand(output, error) { Verbose = result.GetValue(VerboseFlag) }.ExecuteAsync(
            result.GetValue(runFolders)!, result.GetValue(plotOutput), result.GetValue(plotTitle), result.GetValue(plotAxis), token));

        var smoke = new Option<bool>("--smoke") { Description = "A seconds-long run at tiny sizes that proves the harness works (CI)" };
        var benchOutput = new Option<string>("--output") { Description = "Folder for bench-<time>.json and .md", DefaultValueFactory = _ => "benchmarks/results" };
        var benchData = new Option<string>("--data") { Description = "Text to train on", DefaultValueFactory = _ => "data/tinyshakespeare.txt" };
        var benchWidths = new Option<int[]>("--widths") { Description = "Only these widths (e.g. --widths 256 512)", AllowMultipleArgumentsPerToken = true };
        var fp32Only = new Option<bool>("--fp32-only") { Description = "Skip the bf16 measurements" };
        var corpora = new Option<bool>("--corpora") { Description = "Only the figures of real corpora: token batches against a step, RSS on a 1 GiB token file, time per sampled token with and without the cache" };
        var blocks = new Option<bool>("--blocks") { Description = "Only the step time of each of gpt's block and position options against the base gpt (width 256)" };
        var distributed = new Option<bool>("--distributed") { Description = "Only data parallelism's figures: two MPI ranks × one thread against one rank × one thread at widths 256 and 512 (scaling efficiency, all-reduce time and share, bytes per step, RSS per rank); needs mpirun" };
        var sweepsOnly = new Option<bool>("--sweeps") { Description = "Only sweep efficiency for trials of about ten seconds: 8 trials of 800 steps (gpt width 64), a fresh process per trial and reused workers" };
        var images = new Option<bool>("--images") { Description = "Only the image figures: training images/s of vit width 128 on Fashion-MNIST, and each augmentation preset's cost against a plain step" };
        var imagesPath = new Option<string>("--images-path") { Description = "Folder of the four IDX files for --images", DefaultValueFactory = _ => "/usr/share/datasets/fashion-mnist" };
        var bench = new Command("bench", "Measure Forge's training step: framework tax against a bare TorchSharp loop, roofline, scaling, memory, data") { smoke, benchOutput, benchData, benchWidths, fp32Only, corpora, blocks, distributed, sweepsOnly, images, imagesPath };
        bench.SetAction((result, token) => new BenchCommand(output, error) { Verbose = result.GetValue(VerboseFlag) }.ExecuteAsync(result.GetValue(smoke), result.GetValue(benchOutput)!, result.GetValue(benchData)!,
            result.GetValue(benchWidths), result.GetValue(fp32Only), token, result.GetValue(corpora), result.GetValue(blocks), result.GetValue(distributed), result.GetValue(sweepsOnly),
            result.GetValue(images) ? result.GetValue(imagesPath) : null));

        var pluginsJson = new Option<bool>("--json") { Description = "Machine-readable output, with each plugin's options schema" };
        var plugins = new Command("plugins", "List the available plugins by family, with version, source file, SHA-256 and options") { pluginsJson };
        plugins.SetAction((result, token) => new PluginsCommand(output, error) { Verbose = result.GetValue(VerboseFlag) }.ExecuteAsync(result.GetValue(pluginsJson), token));

        // A plain root command named "forge" (RootCommand would take the assembly's name, Forge.Cli, for its usage line).
        return new Command("forge", "Forge: train models under hyperparameter-transfer parametrizations from a JSON experiment spec")
        {
            Options = { new System.CommandLine.Help.HelpOption(), new VersionOption(), PluginPaths, VerboseFlag },
            Subcommands = { run, validate, inspect, coordCheck, sweep, trial, transfer, plot, upscale, prepare, evaluate, sample, schema, plugins, bench },
        };
    }
}
