using TorchSharp.Modules;

namespace Forge.Abstractions.Parametrizations;

/// <summary>A trainable tensor created through the parametrization, with the decision that shaped it.</summary>
/// <param name="Value">The stored tensor; register it in the module that uses it.</param>
/// <param name="Descriptor">What the model declared about the tensor.</param>
/// <param name="Scaling">What the parametrization decided.</param>
public sealed record ScaledParameter(Parameter Value, ParameterDescriptor Descriptor, ParameterScaling Scaling)
{
    /// <summary>The forward multiplier A the layer must apply to this tensor.</summary>
    public double Multiplier => Scaling.ForwardMultiplier;
}
