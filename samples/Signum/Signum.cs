using Forge.Abstractions.Optimizers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Forge.Samples.Signum;

/// <summary>
/// The Signum update as a TorchSharp optimizer (built on <see cref="OptimizerHelper"/>, so Forge can checkpoint its
/// state): m ← βm + (1−β)g; w ← w·(1 − lr·λ) − lr·sign(m).
/// </summary>
public sealed class Signum : OptimizerHelper
{
    /// <summary>Creates the optimizer over <paramref name="groups"/>, each with its own options.</summary>
    public Signum(IEnumerable<ParamGroup> groups)
    {
        _defaults = new Options { LearningRate = 1e-4, InitialLearningRate = 1e-4, Momentum = 0.9, WeightDecay = 0 };
        _parameter_groups = new List<TorchSharp.Modules.ParamGroup>();
        foreach (var group in groups)
            add_param_group(group);
    }

    /// <inheritdoc />
    public override Tensor step(Func<Tensor>? closure = null) => _step<ParamGroup>(group =>
    {
        var options = group.Options;
        double lr = options.LearningRate!.Value, momentum = options.Momentum, decay = options.WeightDecay;
        // Scalars held until the end of the step: an implicit conversion's Scalar may be finalized during the native call.
        using var keep = (1 - lr * decay).ToScalar();
        using var beta = momentum.ToScalar();
        using var rest = (1 - momentum).ToScalar();
        using var minusLr = (-lr).ToScalar();
        foreach (var parameter in group.Parameters)
        {
            if (parameter.grad is not { } grad)
                continue;
            var state = (State)_state[parameter.Handle];
            state.Step += 1;
            state.MomentumBuffer.mul_(beta).add_(grad, alpha: rest);
            if (decay != 0)
                parameter.mul_(keep);
            using var direction = state.MomentumBuffer.sign();
            parameter.add_(direction, alpha: minusLr);
        }
    }, closure);

    /// <inheritdoc />
    public override void add_param_group(TorchSharp.Modules.ParamGroup group)
    {
        var options = (Options)(group.Options ??= new Options());
        options.InitialLearningRate = options.LearningRate ?? 1e-4;
        _parameter_groups.Add(group);
        foreach (var parameter in group.Parameters)
            _state[parameter.Handle] = new State(parameter) { MomentumBuffer = zeros_like(parameter).DetachFromDisposeScope() };
    }

    /// <summary>Per-tensor state: the momentum and the number of updates (saved, loaded and checkpointed by <see cref="TensorFieldState"/>).</summary>
    public sealed class State(Parameter parameter) : TensorFieldState(parameter)
    {
        /// <summary>The momentum m.</summary>
        public Tensor MomentumBuffer = null!;
    }

    /// <summary>A group's hyperparameters.</summary>
    public sealed class Options : OptimizerOptions
    {
        /// <summary>β, the momentum decay.</summary>
        public double Momentum { get; set; } = 0.9;

        /// <summary>λ, decoupled weight decay.</summary>
        public double WeightDecay { get; set; }

        /// <inheritdoc />
        public override void LoadStateDict(OptimizerOptions source)
        {
            base.LoadStateDict(source);
            var other = (Options)source;
            (Momentum, WeightDecay) = (other.Momentum, other.WeightDecay);
        }

        /// <inheritdoc />
        public override void LoadStateDict(BinaryReader reader)
        {
            base.LoadStateDict(reader);
            (Momentum, WeightDecay) = (reader.ReadDouble(), reader.ReadDouble());
        }

        /// <inheritdoc />
        public override void SaveStateDict(BinaryWriter writer)
        {
            base.SaveStateDict(writer);
            writer.Write(Momentum);
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
