using System.Text.Json.Nodes;
using static TorchSharp.torch;

namespace Forge.Bench;

/// <summary>
/// One model the harness measures: <c>gpt</c> (pre-LN transformer) or <c>mlp</c> (the bigram MLP on tokens: embedding,
/// <see cref="Depth"/> hidden ReLU layers, readout), both on the text data with <see cref="Batch"/> sequences of
/// <see cref="Context"/> tokens a step, under <c>sp</c> with AdamW and no clipping or weight decay.
/// </summary>
public sealed record BenchModel(string Name, int Width, int Context, int Depth, int Batch)
{
    /// <summary>Head size of the <c>gpt</c>: 32, or half the width below 64.</summary>
    public int HeadDim => Math.Min(32, Width / 2);

    public int Heads => Width / HeadDim;

    public bool IsGpt => Name == "gpt";

    public override string ToString() => $"{Name} width {Width} context {Context}";

    /// <summary>The experiment spec Forge trains: every figure of one model uses it, only steps, log interval and precision vary.</summary>
    public JsonObject Spec(string dataPath, string precision, int steps, int logInterval) => new()
    {
        ["name"] = "bench",
        ["seed"] = 1,
        ["device"] = "cpu",
        ["precision"] = precision,
        ["model"] = IsGpt
            ? new JsonObject { ["name"] = "gpt", ["width"] = Width, ["depth"] = Depth, ["headDim"] = HeadDim }
            : new JsonObject { ["name"] = "mlp", ["width"] = Width, ["depth"] = Depth },
        ["data"] = new JsonObject { ["name"] = "text", ["path"] = Path.GetFullPath(dataPath), ["context"] = Context },
        ["optimizer"] = new JsonObject { ["name"] = "adamw", ["lr"] = 1e-3, ["weightDecay"] = 0.0 },
        ["parametrization"] = new JsonObject { ["name"] = "sp" },
        ["checkpoint"] = "none",
        ["training"] = new JsonObject
        {
            ["steps"] = steps, ["batchSize"] = Batch, ["evalInterval"] = 0, ["evalBatches"] = 1, ["logInterval"] = logInterval, ["gradClip"] = 0,
            ["schedule"] = new JsonObject { ["decay"] = "constant" },
        },
    };

    /// <summary>The same network on TorchSharp's own modules, with no Forge layer in between.</summary>
    public nn.Module<Tensor, Tensor> Bare(int vocabulary) =>
        IsGpt ? new BareGpt(vocabulary, Context, Width, Depth, Heads) : new BareMlp(vocabulary, Width, Depth);

    /// <summary>
    /// Training FLOPs of one step: 6·P·B·T, with P the parameters that take part in matmuls (all but the embedding
    /// tables, which are read by index), plus for <c>gpt</c> 12·L·B·T²·d for the forward and backward of attention's
    /// two T×T matmuls, counted in full although they are causal.
    /// </summary>
    public double FlopsPerStep(long matmulParameters)
    {
        double tokens = (double)Batch * Context;
        double attention = IsGpt ? 12.0 * Depth * Batch * (double)Context * Context * Width : 0;
        return 6.0 * matmulParameters * tokens + attention;
    }
}
