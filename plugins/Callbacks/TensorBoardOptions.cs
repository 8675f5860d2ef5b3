using System.ComponentModel;

namespace Forge.Plugins.Callbacks;

/// <summary>Options of the <c>tensorboard</c> callback.</summary>
public sealed class TensorBoardOptions
{
    [Description("Folder of the event files, relative to the run folder (tensorboard --logdir runs/ shows every run).")]
    public string Folder { get; set; } = "tensorboard";
}
