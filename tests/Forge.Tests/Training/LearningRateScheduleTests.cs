using Forge.Core.Specs;
using Forge.Core.Training;

namespace Forge.Tests.Training;

public class LearningRateScheduleTests
{
    private static LearningRateSchedule Schedule(DecayKind decay, int warmup, double min, int steps) =>
        new(new ScheduleOptions { Decay = decay, WarmupSteps = warmup, MinLrRatio = min }, steps);

    [Fact]
    public void Warmup_rises_linearly_to_the_full_rate()
    {
        var s = Schedule(DecayKind.Constant, warmup: 4, min: 0.1, steps: 10);

        Assert.Equal(new[] { 0.25, 0.5, 0.75, 1.0, 1.0 }, Enumerable.Range(0, 5).Select(s.Factor));
    }

    [Fact]
    public void Cosine_decays_from_one_to_the_minimum_at_the_last_step()
    {
        var s = Schedule(DecayKind.Cosine, warmup: 0, min: 0.1, steps: 11);

        Assert.Equal(1.0, s.Factor(0), 12);
        Assert.Equal(0.55, s.Factor(5), 12); // halfway: min + (1 - min) / 2
        Assert.Equal(0.1, s.Factor(10), 12);
    }

    [Fact]
    public void Linear_decays_evenly_after_warmup()
    {
        var s = Schedule(DecayKind.Linear, warmup: 2, min: 0.0, steps: 7);

        Assert.Equal(new[] { 0.5, 1.0, 1.0, 0.75, 0.5, 0.25, 0.0 }, Enumerable.Range(0, 7).Select(s.Factor));
    }

    [Fact]
    public void Constant_stays_at_one()
    {
        var s = Schedule(DecayKind.Constant, warmup: 0, min: 0.1, steps: 5);

        Assert.All(Enumerable.Range(0, 5).Select(s.Factor), f => Assert.Equal(1.0, f));
    }
}
