namespace Forge.Core.Training;

/// <summary>One held-out evaluation: the mean loss, and for classification the top-1 accuracy (null otherwise).</summary>
public sealed record HeldOutResult(double Loss, double? Accuracy);
