namespace Forge.Abstractions.Parametrizations;

/// <summary>The distribution a tensor's initial values are drawn from.</summary>
public enum InitializationKind
{
    /// <summary>N(0, scale²).</summary>
    Normal,
    /// <summary>U(-scale, +scale).</summary>
    Uniform,
    /// <summary>Every entry equals scale (0 for zero init, 1 for norm gains).</summary>
    Constant,
}

/// <summary>How to initialise one tensor.</summary>
/// <param name="Kind">The distribution.</param>
/// <param name="Scale">Standard deviation, half-width or constant value, depending on <paramref name="Kind"/>.</param>
public sealed record Initialization(InitializationKind Kind, double Scale)
{
    /// <summary>Gaussian with the given standard deviation.</summary>
    public static Initialization Normal(double std) => new(InitializationKind.Normal, std);

    /// <summary>Uniform on [-bound, bound].</summary>
    public static Initialization Uniform(double bound) => new(InitializationKind.Uniform, bound);

    /// <summary>All entries equal to <paramref name="value"/>.</summary>
    public static Initialization Constant(double value) => new(InitializationKind.Constant, value);

    /// <summary>All zeros.</summary>
    public static Initialization Zeros => Constant(0);

    /// <summary>All ones.</summary>
    public static Initialization Ones => Constant(1);

    /// <summary>The standard deviation of the entries this initialization produces.</summary>
    public double StandardDeviation => Kind switch
    {
        InitializationKind.Normal => Scale,
        InitializationKind.Uniform => Scale / Math.Sqrt(3),
        _ => 0,
    };

    /// <inheritdoc />
    public override string ToString() => Kind switch
    {
        InitializationKind.Normal => $"N(0, {Scale:G4}²)",
        InitializationKind.Uniform => $"U(±{Scale:G4})",
        _ => $"const {Scale:G4}",
    };
}
