using Forge.Abstractions.Optimizers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Forge.Plugins.Optimizers;

/// <summary>
/// Adam-atan2 (Everett et al. 2024, "Scaling Exponents Across Parameterizations and Optimizers", their ε-free Adam): Adam with
/// m̂/(√v̂ + ε) replaced by a·atan2(m̂, b·√v̂), which is bounded by a·π/2, unchanged when the gradient is rescaled, and
/// needs no ε, so no ε can become too large for a tensor whose gradients shrink with width. With bias-corrected
/// moments m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ): w ← w·(1 − lr·λ) − lr·a·atan2(m̂, b·√v̂). The constants a = 1.27 and
/// b = 1 are lucidrains/adam-atan2-pytorch's defaults (a ≈ 4/π makes the step of a consistent gradient, atan2(1, 1)·a,
/// equal to 1); built on <see cref="OptimizerHelper"/>, so Forge checkpoints its state.
/// </summary>
public sealed class AdamAtan2 : OptimizerHelper
{
    /// <summary>lucidrains/adam-atan2-pytorch's a.</summary>
    public const double A = 1.27;

    /// <summary>lucidrains/adam-atan2-pytorch's b.</summary>
    public const double B = 1.0;

    /// <summary>Creates the optimizer over <paramref name="groups"/>, each with its own options.</summary>
    public AdamAtan2(IEnumerable<ParamGroup> groups)
    {
        _defaults = new Options { LearningRate = 1e-3, InitialLearningRate = 1e-3 };
        _parameter_groups = new List<TorchSharp.Modules.ParamGroup>();
        foreach (var group in groups)
            add_param_group(group);
    }

    /// <inheritdoc />
    public override Tensor step(Func<Tensor>? closure = null) => _step<ParamGroup>(group =>
    {
        using var scope = NewDisposeScope();
        var options = group.Options;
        double lr = options.LearningRate!.Value;
        using var keep = (1 - lr * options.WeightDecay).ToScalar();
        using var l2 = options.CoupledWeightDecay.ToScalar();
        using var beta1 = options.Beta1.ToScalar();
        using var beta2 = options.Beta2.ToScalar();
        using var rest1 = (1 - options.Beta1).ToScalar();
        using var rest2 = (1 - options.Beta2).ToScalar();
        foreach (var parameter in group.Parameters)
        {
            if (parameter.grad is not { } grad)
                continue;
            var state = (State)_state[parameter.Handle];
            state.Step += 1;
            if (options.CoupledWeightDecay != 0)
                grad = grad.add(parameter.detach(), alpha: l2);
            if (options.WeightDecay != 0)
                parameter.mul_(keep);
            state.ExpAvg.mul_(beta1).add_(grad, alpha: rest1);
            state.ExpAvgSq.mul_(beta2).addcmul_(grad, grad, value: rest2);
            double correction1 = 1 - Math.Pow(options.Beta1, state.Step), correction2 = 1 - Math.Pow(options.Beta2, state.Step);
            var first = state.ExpAvg.div(correction1);
            var second = state.ExpAvgSq.div(correction2).sqrt().mul_(B);
            parameter.add_(atan2(first, second), alpha: -lr * A);
        }
    }, closure);

    /// <inheritdoc />
    public override void add_param_group(TorchSharp.Modules.ParamGroup group)
    {
        var options = (Options)(group.Options ??= new Options());
        options.InitialLearningRate = options.LearningRate ?? 1e-3;
        _parameter_groups.Add(group);
        foreach (var parameter in group.Parameters)
            _state[parameter.Handle] = new State(parameter)
            {
                ExpAvg = zeros_like(parameter).DetachFromDisposeScope(),
                ExpAvgSq = zeros_like(parameter).DetachFromDisposeScope(),
            };
    }

    /// <summary>A tensor's moments and its number of updates.</summary>
    public sealed class State(Parameter parameter) : TensorFieldState(parameter)
    {
        /// <summary>First moment m.</summary>
        public Tensor ExpAvg = null!;

        /// <summary>Second moment v.</summary>
        public Tensor ExpAvgSq = null!;
    }

    /// <summary>A group's hyperparameters.</summary>
    public sealed class Options : OptimizerOptions
    {
        /// <summary>β₁.</summary>
        public double Beta1 { get; set; } = 0.9;

        /// <summary>β₂.</summary>
        public double Beta2 { get; set; } = 0.999;

        /// <summary>λ of decoupled decay, w ← w·(1 − lr·λ).</summary>
        public double WeightDecay { get; set; }

        /// <summary>λ of coupled (L2) decay, λ·w added to the gradient.</summary>
        public double CoupledWeightDecay { get; set; }

        /// <inheritdoc />
        public override void LoadStateDict(OptimizerOptions source)
        {
            base.LoadStateDict(source);
            var o = (Options)source;
            (Beta1, Beta2, WeightDecay, CoupledWeightDecay) = (o.Beta1, o.Beta2, o.WeightDecay, o.CoupledWeightDecay);
        }

        /// <inheritdoc />
        public override void LoadStateDict(BinaryReader reader)
        {
            base.LoadStateDict(reader);
            (Beta1, Beta2, WeightDecay, CoupledWeightDecay) = (reader.ReadDouble(), reader.ReadDouble(), reader.ReadDouble(), reader.ReadDouble());
        }

        /// <inheritdoc />
        public override void SaveStateDict(BinaryWriter writer)
        {
            base.SaveStateDict(writer);
            writer.Write(Beta1);
            writer.Write(Beta2);
            writer.Write(WeightDecay);
            writer.Write(CoupledWeightDecay);
        }
    }

    /// <summary>A group of tensors with its options.</summary>
    public sealed class ParamGroup : ParamGroup<Options>
    {
        /// <summary>Creates the group.</summary>
        public ParamGroup(IEnumerable<Parameter> parameters, Options options) : base(parameters, options) { }
    }
}
