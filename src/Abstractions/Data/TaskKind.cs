namespace Forge.Abstractions.Data;

/// <summary>What a dataset asks the model to predict; it decides the loss the host uses.</summary>
public enum TaskKind
{
    /// <summary>Real-valued targets of shape [batch, outputs]; mean squared error.</summary>
    Regression,
    /// <summary>Class indices of shape [batch] (or class probabilities [batch, classes], <see cref="Batch.ClassProbabilities"/>); model outputs logits [batch, classes]; cross-entropy.</summary>
    Classification,
    /// <summary>Next-token indices of shape [batch, time]; model outputs logits [batch, time, vocab]; cross-entropy.</summary>
    LanguageModeling,
}
