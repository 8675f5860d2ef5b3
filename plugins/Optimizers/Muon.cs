using Forge.Abstractions.Optimizers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Forge.Plugins.Optimizers;

/// <summary>
/// The Muon update as a TorchSharp optimizer (built on <see cref="OptimizerHelper"/>, so Forge checkpoints its state).
/// Groups marked <see cref="Options.Orthogonalize"/> hold hidden matrices: b ← μ·b + g; u = g + μ·b (Nesterov) or b;
/// O = NewtonSchulz(u), batched over matrices of one shape; w ← w·(1 − lr·λ) − lr·f·scale(fan_out, fan_in)·O, with
/// <see cref="Options.Scale"/> and the group's <see cref="Options.UpdateFactor"/> f. The other
/// groups are AdamW exactly as <c>torch.optim.AdamW</c> (bias-corrected moments, decoupled decay).
/// </summary>
public sealed class Muon : OptimizerHelper
{
    /// <summary>Creates the optimizer over <paramref name="groups"/>, each with its own options.</summary>
    public Muon(IEnumerable<ParamGroup> groups)
    {
        _defaults = new Options { LearningRate = 0.02, InitialLearningRate = 0.02 };
        _parameter_groups = new List<TorchSharp.Modules.ParamGroup>();
        foreach (var group in groups)
            add_param_group(group);
    }

    /// <inheritdoc />
    public override Tensor step(Func<Tensor>? closure = null) => _step<ParamGroup>(group =>
    {
        using var scope = NewDisposeScope();
        if (group.Options.Orthogonalize)
            MatrixStep(group);
        else
            AdamStep(group);
    }, closure);

    private void MatrixStep(ParamGroup group)
    {
        var options = group.Options;
        double lr = options.LearningRate!.Value;
        // Scalars held until the end of the step: an implicit conversion's Scalar may be finalized during the native call.
        using var momentum = options.Momentum.ToScalar();
        using var keep = (1 - lr * options.WeightDecay).ToScalar();
        var directions = new List<(Parameter Parameter, Tensor Direction)>();
        foreach (var parameter in group.Parameters)
        {
            if (parameter.grad is not { } grad)
                continue;
            var state = (MatrixState)_state[parameter.Handle];
            state.Step += 1;
            state.MomentumBuffer.mul_(momentum).add_(grad);
            directions.Add((parameter, options.Nesterov ? grad.add(state.MomentumBuffer, alpha: momentum) : state.MomentumBuffer));
        }
        foreach (var sameShape in directions.GroupBy(d => (d.Parameter.shape[0], d.Parameter.shape[1])))
        {
            var batch = sameShape.ToList();
            var orthogonal = NewtonSchulz.Orthogonalize(stack(batch.Select(d => d.Direction).ToArray()), options.NewtonSchulzSteps);
            using var step = (-lr * options.UpdateFactor * MuonScales.Of(options.Scale, sameShape.Key.Item1, sameShape.Key.Item2)).ToScalar();
            for (int i = 0; i < batch.Count; i++)
            {
                if (options.WeightDecay != 0)
                    batch[i].Parameter.mul_(keep);
                batch[i].Parameter.add_(orthogonal[i], alpha: step);
            }
        }
    }

    private void AdamStep(ParamGroup group)
    {
        var options = group.Options;
        double lr = options.LearningRate!.Value;
        using var keep = (1 - lr * options.WeightDecay).ToScalar();
        using var beta1 = options.Beta1.ToScalar();
        using var beta2 = options.Beta2.ToScalar();
        using var rest1 = (1 - options.Beta1).ToScalar();
        using var rest2 = (1 - options.Beta2).ToScalar();
        using var eps = options.Eps.ToScalar();
        foreach (var parameter in group.Parameters)
        {
            if (parameter.grad is not { } grad)
                continue;
            var state = (AdamState)_state[parameter.Handle];
            state.Step += 1;
            if (options.WeightDecay != 0)
                parameter.mul_(keep);
            state.ExpAvg.mul_(beta1).add_(grad, alpha: rest1);
            state.ExpAvgSq.mul_(beta2).addcmul_(grad, grad, value: rest2);
            double correction1 = 1 - Math.Pow(options.Beta1, state.Step), correction2 = 1 - Math.Pow(options.Beta2, state.Step);
            using var root = (1 / Math.Sqrt(correction2)).ToScalar();
            using var stepSize = (-lr / correction1).ToScalar();
            var denominator = state.ExpAvgSq.sqrt().mul_(root).add_(eps);
            parameter.addcdiv_(state.ExpAvg, denominator, value: stepSize);
        }
    }

    /// <inheritdoc />
    public override void add_param_group(TorchSharp.Modules.ParamGroup group)
    {
        var options = (Options)(group.Options ??= new Options());
        options.InitialLearningRate = options.LearningRate ?? 0.02;
        _parameter_groups.Add(group);
        foreach (var parameter in group.Parameters)
        {
            if (options.Orthogonalize && parameter.dim() != 2)
                throw new ArgumentException($"Muon orthogonalises matrices only; a tensor of shape [{string.Join(", ", parameter.shape)}] belongs in an AdamW group.");
            _state[parameter.Handle] = options.Orthogonalize
                ? new MatrixState(parameter) { MomentumBuffer = zeros_like(parameter).DetachFromDisposeScope() }
                : new AdamState(parameter) { ExpAvg = zeros_like(parameter).DetachFromDisposeScope(), ExpAvgSq = zeros_like(parameter).DetachFromDisposeScope() };
        }
    }

    /// <summary>State of an orthogonalised matrix: its momentum buffer and the number of updates.</summary>
    public sealed class MatrixState(Parameter parameter) : TensorFieldState(parameter)
    {
        /// <summary>The momentum buffer b.</summary>
        public Tensor MomentumBuffer = null!;
    }

    /// <summary>State of an AdamW tensor: both moments and the number of updates.</summary>
    public sealed class AdamState(Parameter parameter) : TensorFieldState(parameter)
    {
        /// <summary>First moment.</summary>
        public Tensor ExpAvg = null!;

        /// <summary>Second moment.</summary>
        public Tensor ExpAvgSq = null!;
    }

    /// <summary>A group's hyperparameters: orthogonalised matrices (Muon) or AdamW.</summary>
    public sealed class Options : OptimizerOptions
    {
        /// <summary>True for hidden matrices updated by Muon; false for AdamW.</summary>
        public bool Orthogonalize { get; set; }

        /// <summary>Muon's momentum μ.</summary>
        public double Momentum { get; set; } = 0.95;

        /// <summary>Muon's Nesterov momentum.</summary>
        public bool Nesterov { get; set; } = true;

        /// <summary>Muon's Newton–Schulz steps.</summary>
        public int NewtonSchulzSteps { get; set; } = 5;

        /// <summary>How the orthogonalised update is sized (not part of the saved state: it comes from the spec).</summary>
        public MuonScale Scale { get; set; } = MuonScale.Spectral;

        /// <summary>
        /// Multiplies the orthogonalised step of this group's matrices: depth factor / forward multiplier, so the
        /// layer's effective update has the scale's size (not part of the saved state: it comes from the spec).
        /// </summary>
        public double UpdateFactor { get; set; } = 1.0;

        /// <summary>AdamW's β₁.</summary>
        public double Beta1 { get; set; } = 0.9;

        /// <summary>AdamW's β₂.</summary>
        public double Beta2 { get; set; } = 0.95;

        /// <summary>AdamW's ε.</summary>
        public double Eps { get; set; } = 1e-8;

        /// <summary>λ, decoupled weight decay.</summary>
        public double WeightDecay { get; set; }

        /// <inheritdoc />
        public override void LoadStateDict(OptimizerOptions source)
        {
            base.LoadStateDict(source);
            var o = (Options)source;
            (Orthogonalize, Momentum, Nesterov, NewtonSchulzSteps, Beta1, Beta2, Eps, WeightDecay) =
                (o.Orthogonalize, o.Momentum, o.Nesterov, o.NewtonSchulzSteps, o.Beta1, o.Beta2, o.Eps, o.WeightDecay);
        }

        /// <inheritdoc />
        public override void LoadStateDict(BinaryReader reader)
        {
            base.LoadStateDict(reader);
            (Orthogonalize, Momentum, Nesterov, NewtonSchulzSteps) = (reader.ReadBoolean(), reader.ReadDouble(), reader.ReadBoolean(), reader.ReadInt32());
            (Beta1, Beta2, Eps, WeightDecay) = (reader.ReadDouble(), reader.ReadDouble(), reader.ReadDouble(), reader.ReadDouble());
        }

        /// <inheritdoc />
        public override void SaveStateDict(BinaryWriter writer)
        {
            base.SaveStateDict(writer);
            writer.Write(Orthogonalize);
            writer.Write(Momentum);
            writer.Write(Nesterov);
            writer.Write(NewtonSchulzSteps);
            writer.Write(Beta1);
            writer.Write(Beta2);
            writer.Write(Eps);
            writer.Write(WeightDecay);
        }
    }

    /// <summary>A group of tensors with its options.</summary>
    public sealed class ParamGroup : ParamGroup<Options>
    {
        /// <summary>Creates the group.</summary>
        public ParamGroup(IEnumerable<Parameter> parameters, Options options) : base(parameters, options) { }
    }
}
