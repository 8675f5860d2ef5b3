using Forge.Abstractions.Data;

namespace Forge.Core.Training;

/// <summary>
/// The parts of a batch one rank trains on: every rank draws the very batch a single process would draw (one sampler,
/// the same seed), keeps rows <c>[r·B/N, (r+1)·B/N)</c> and splits them into <c>training.microBatches</c> equal parts,
/// so N ranks and one process see the same data.
/// </summary>
public static class BatchParts
{
    /// <summary>Rank <paramref name="rank"/> of <paramref name="ranks"/>'s <paramref name="microBatches"/> parts of <paramref name="batch"/> (views of it; the batch itself when there is one part).</summary>
    public static IReadOnlyList<Batch> Of(Batch batch, int rank, int ranks, int microBatches)
    {
        if (ranks == 1 && microBatches == 1)
            return new[] { batch };
        long rows = batch.Examples / (ranks * microBatches);
        if (rows * ranks * microBatches != batch.Examples)
            throw new InvalidOperationException($"a batch of {batch.Examples} does not split into {ranks} ranks × {microBatches} micro-batches");
        return Enumerable.Range(0, microBatches)
            .Select(k => (rank * microBatches + k) * rows)
            .Select(start => new Batch(batch.Inputs.narrow(0, start, rows), batch.Targets.narrow(0, start, rows)) { ClassProbabilities = batch.ClassProbabilities })
            .ToList();
    }
}
