namespace Forge.Core.Checkpoints;

/// <summary>
/// Where a run stands after <see cref="Step"/> updates: everything besides the tensors and random streams that a
/// resumed run needs to continue exactly (and to summarise the whole run, not just its last part).
/// </summary>
public sealed class TrainingPosition
{
    public int Step { get; set; }
    public long Samples { get; set; }
    public long Tokens { get; set; }
    public double? InitialEvalLoss { get; set; }
    public double? LastTrainLoss { get; set; }
    public double? LastEvalLoss { get; set; }
    public double? BestEvalLoss { get; set; }
    public int? BestEvalStep { get; set; }

    /// <summary>Classification: the top-1 accuracy before the first update, of the last evaluation, and the best of all of them.</summary>
    public double? InitialEvalAccuracy { get; set; }

    /// <inheritdoc cref="InitialEvalAccuracy"/>
    public double? LastEvalAccuracy { get; set; }

    /// <inheritdoc cref="LastEvalAccuracy"/>
    public double? BestEvalAccuracy { get; set; }

    /// <summary>Product of the divergence guard's learning-rate cuts (1 until a rollback).</summary>
    public double LearningRateScale { get; set; } = 1.0;

    public int SkippedUpdates { get; set; }
    public int Rollbacks { get; set; }
    public int LossSpikes { get; set; }

    /// <summary>The logged losses the spike detector compares against (its window), oldest first.</summary>
    public List<double> RecentLosses { get; set; } = new();

    public TrainingPosition Clone()
    {
        var copy = (TrainingPosition)MemberwiseClone();
        copy.RecentLosses = new List<double>(RecentLosses);
        return copy;
    }
}
