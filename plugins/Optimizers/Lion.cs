using Forge.Abstractions.Optimizers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Forge.Plugins.Optimizers;

/// <summary>
/// The Lion update as a TorchSharp optimizer (built on <see cref="OptimizerHelper"/>, so Forge can checkpoint its
/// state): c = β₁m + (1−β₁)g; w ← w − lr·(sign(c) + λw); m ← β₂m + (1−β₂)g.
/// </summary>
public sealed class Lion : OptimizerHelper
{
    /// <summary>Creates the optimizer over <paramref name="groups"/>, each with its own options.</summary>
    public Lion(IEnumerable<ParamGroup> groups)
    {
        _defaults = new Options { LearningRate = 1e-4, InitialLearningRate = 1e-4, Beta1 = 0.9, Beta2 = 0.99, WeightDecay = 0 };
        _parameter_groups = new List<TorchSharp.Modules.ParamGroup>();
        foreach (var group in groups)
            add_param_group(group);
    }

    /// <inheritdoc />
    public override Tensor step(Func<Tensor>? closure = null) => _step<ParamGroup>(group =>
    {
        var options = group.Options;
        double lr = options.LearningRate!.Value, beta1 = options.Beta1, beta2 = options.Beta2, decay = options.WeightDecay;
        // Scalars held until the end of the step: an implicit conversion's Scalar may be finalized during the native call.
        using var keep = (1 - lr * decay).ToScalar();
        using var mix = (1 - beta1).ToScalar();
        using var b1 = beta1.ToScalar();
        using var b2 = beta2.ToScalar();
        using var rest = (1 - beta2).ToScalar();
        using var minusLr = (-lr).ToScalar();
        foreach (var parameter in group.Parameters)
        {
            if (parameter.grad is not { } grad)
                continue;
            var state = (State)_state[parameter.Handle];
            state.Step += 1;
            if (decay != 0)
                parameter.mul_(keep);
            var direction = state.ExpAvg.mul(b1).add_(grad, alpha: mix).sign_();
            parameter.add_(direction, alpha: minusLr);
            state.ExpAvg.mul_(b2).add_(grad, alpha: rest);
        }
    }, closure);

    /// <inheritdoc />
    public override void add_param_group(TorchSharp.Modules.ParamGroup group)
    {
        var options = (Options)(group.Options ??= new Options());
        options.InitialLearningRate = options.LearningRate ?? 1e-4;
        _parameter_groups.Add(group);
        foreach (var parameter in group.Parameters)
            _state[parameter.Handle] = new State(parameter) { ExpAvg = zeros_like(parameter).DetachFromDisposeScope() };
    }

    /// <summary>Per-tensor state: the momentum and the number of updates (saved, loaded and checkpointed by <see cref="TensorFieldState"/>).</summary>
    public sealed class State(Parameter parameter) : TensorFieldState(parameter)
    {
        /// <summary>The momentum m.</summary>
        public Tensor ExpAvg = null!;
    }

    /// <summary>A group's hyperparameters.</summary>
    public sealed class Options : OptimizerOptions
    {
        /// <summary>β₁.</summary>
        public double Beta1 { get; set; } = 0.9;

        /// <summary>β₂.</summary>
        public double Beta2 { get; set; } = 0.99;

        /// <summary>λ, decoupled weight decay.</summary>
        public double WeightDecay { get; set; }

        /// <inheritdoc />
        public override void LoadStateDict(OptimizerOptions source)
        {
            base.LoadStateDict(source);
            var other = (Options)source;
            (Beta1, Beta2, WeightDecay) = (other.Beta1, other.Beta2, other.WeightDecay);
        }

        /// <inheritdoc />
        public override void LoadStateDict(BinaryReader reader)
        {
            base.LoadStateDict(reader);
            (Beta1, Beta2, WeightDecay) = (reader.ReadDouble(), reader.ReadDouble(), reader.ReadDouble());
        }

        /// <inheritdoc />
        public override void SaveStateDict(BinaryWriter writer)
        {
            base.SaveStateDict(writer);
            writer.Write(Beta1);
            writer.Write(Beta2);
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
