using Forge.Abstractions.Data;
using static TorchSharp.torch;
using Forge.Core.Composition;

namespace Forge.Core.Upscaling;

/// <summary>
/// How each widened tensor's gradient relates to the checkpoint model's, measured with one backward pass of both
/// models on the same batch: g_wide ≈ r · tile(g_narrow), r the least-squares ratio. The ratio a plan derives from the
/// forward multipliers (<see cref="TensorWidening.GradientRatio"/>) is exact for ops that pass the true gradient back;
/// ops that scale their backward pass (u-μP's unit-scaled ops scale a weight's gradient by batch^-½ instead of its
/// forward scale, and the readout's input gradient by fan_out^-½) change it, and only the measurement sees by how much.
/// </summary>
public static class GradientRatios
{
    /// <summary>One tensor's measured ratio and how far its gradient is from that multiple (‖g_wide − r·tile(g_narrow)‖ / ‖g_wide‖).</summary>
    public sealed record Measurement(string Name, double Ratio, double Residual);

    /// <summary>
    /// Measures the ratio of every tensor of <paramref name="wide"/> whose gradients are not both zero; leaves every
    /// gradient of both models unset afterwards, as it found them.
    /// </summary>
    public static IReadOnlyList<Measurement> Measure(Experiment narrow, StartingModel wide, IReadOnlyDictionary<string, TensorWidening> plan, Batch batch)
    {
        var narrowByName = narrow.Parameters.ToDictionary(p => p.Descriptor.Name);
        try
        {
            using var scope = NewDisposeScope();
            LossFunction.Compute(narrow, narrow.Model.call(batch.Inputs), batch.Targets).backward();
            wide.Loss(batch).backward();
            var result = new List<Measurement>();
            using var noGrad = no_grad();
            foreach (var parameter in wide.Parameters)
            {
                var name = parameter.Descriptor.Name;
                if (parameter.Value.grad is not { } wideGradient || narrowByName[name].Value.grad is not { } narrowGradient)
                    continue;
                var tiled = WidthUpscaling.Widen(narrowGradient, plan[name]).to(float64);
                var measured = wideGradient.to(float64);
                double tiledSquare = tiled.square().sum().item<double>(), measuredSquare = measured.square().sum().item<double>();
                if (tiledSquare == 0 || measuredSquare == 0)
                    continue;
                double ratio = (measured * tiled).sum().item<double>() / tiledSquare;
                double residual = Math.Sqrt((measured - tiled * ratio).square().sum().item<double>() / measuredSquare);
                result.Add(new Measurement(name, ratio, residual));
            }
            return result;
        }
        finally
        {
            foreach (var parameter in wide.Parameters.Concat(narrow.Parameters))
                parameter.Value.grad = null;
        }
    }
}
