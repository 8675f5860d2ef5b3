namespace Forge.Abstractions.Ops;

/// <summary>Elementwise nonlinearities a model can ask <see cref="ModelOps.Activate"/> for.</summary>
public enum Activation
{
    /// <summary>max(x, 0).</summary>
    Relu,
    /// <summary>x·Φ(x) (exact, erf form).</summary>
    Gelu,
    /// <summary>tanh(x).</summary>
    Tanh,
    /// <summary>x·σ(x).</summary>
    Silu,
}
