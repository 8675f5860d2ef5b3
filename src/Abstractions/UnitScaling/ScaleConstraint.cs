namespace Forge.Abstractions.UnitScaling;

/// <summary>
/// How an op reconciles its ideal forward scale with its ideal input-gradient scale (graphcore's
/// <c>unit_scaling.constraints</c>). Where gradients from several paths meet (anything before the last residual
/// add), the two must be equal for the gradient to stay the true gradient of the scaled function.
/// </summary>
public enum ScaleConstraint
{
    /// <summary>Both use the forward scale (graphcore's default): exact gradients, unit outputs.</summary>
    ToOutputScale,

    /// <summary>Both use the input-gradient scale: exact gradients, unit input gradients.</summary>
    ToGradInputScale,

    /// <summary>Both use the geometric mean of the two.</summary>
    GeometricMean,

    /// <summary>No coupling: unit outputs and unit input gradients, but the gradient is a scaled copy of the true one. Only valid after the last residual add (readout, loss).</summary>
    None,
}

/// <summary>Applies a <see cref="ScaleConstraint"/>.</summary>
public static class ScaleConstraints
{
    /// <summary>The (output, grad-input) scales after applying <paramref name="constraint"/> to the ideal ones.</summary>
    public static (double Output, double GradInput) Apply(this ScaleConstraint constraint, double output, double gradInput) => constraint switch
    {
        ScaleConstraint.ToOutputScale => (output, output),
        ScaleConstraint.ToGradInputScale => (gradInput, gradInput),
        ScaleConstraint.GeometricMean => (Math.Sqrt(output * gradInput), Math.Sqrt(output * gradInput)),
        ScaleConstraint.None => (output, gradInput),
        _ => throw new ArgumentOutOfRangeException(nameof(constraint), constraint, "Unknown scale constraint."),
    };
}
