namespace Forge.Core.Training;

/// <summary>
/// What one update did. <see cref="Loss"/> and <see cref="GradientNorm"/> are read back from the device only when the
/// step is logged or non-finite; otherwise they are NaN.
/// </summary>
/// <param name="Examples">Examples in the batch.</param>
/// <param name="Predictions">Predicted positions in the batch (tokens for language models).</param>
/// <param name="Finite">False when the divergence guard checked the step and found a NaN or infinite loss or gradient; the optimizer did not step.</param>
/// <param name="Loss">The training loss of the batch.</param>
/// <param name="GradientNorm">The global gradient norm before clipping.</param>
/// <param name="Seconds">Wall time of the update.</param>
/// <param name="CommunicationSeconds">Of it, the time in all-reduces of gradients or parameters (0 in one process).</param>
/// <param name="Accuracy">Classification, on logged steps: the top-1 accuracy of the batch, over every rank's part; null otherwise.</param>
public sealed record StepResult(long Examples, long Predictions, bool Finite, float Loss, float GradientNorm, double Seconds, double CommunicationSeconds = 0,
    double? Accuracy = null);
