using Forge.Abstractions.Callbacks;
using Forge.Abstractions.Plugins;
using TorchSharp;

namespace Forge.Plugins.Callbacks;

/// <summary>
/// <c>tensorboard</c>: every logged step's values (loss, lr, gradNorm, examplesPerSecond, tokensPerSecond, evalLoss and
/// what other callbacks reported, each under its name in metrics.jsonl) as TensorBoard scalars, through TorchSharp's
/// <c>torch.utils.tensorboard.SummaryWriter</c>, into <c>RUN_FOLDER/tensorboard/</c>. A resumed run writes a new
/// event file in the same folder; its first step is below the last one TensorBoard saw, so TensorBoard drops the
/// older file's later steps itself, and the curves read as the uninterrupted run's. TorchSharp's writer stamps events in whole
/// seconds; steps are exact. It only watches: adding or removing it does not make a run another experiment.
/// </summary>
[ForgePlugin<TensorBoardOptions>("tensorboard", Description = "Each logged step's values as TensorBoard scalars (RUN_FOLDER/tensorboard)")]
public sealed class TensorBoardCallback(TensorBoardOptions options) : IObservingCallback
{
    private TorchSharp.Modules.SummaryWriter? _writer;

    /// <summary>The folder the event files go to (set when the run starts).</summary>
    public string? Folder { get; private set; }

    public void OnRunStart(RunStartContext context)
    {
        Folder = Path.GetFullPath(Path.Combine(context.RunFolder, options.Folder));
        _writer = torch.utils.tensorboard.SummaryWriter(Folder);
    }

    public void OnStepEnd(StepEndContext context)
    {
        if (!context.Logged || _writer is null)
            return;
        foreach (var (name, value) in context.Values)
            _writer.add_scalar(name, (float)value, context.Step); // wall time: now, in whole seconds since 1970
    }
}
