using Forge.Bench;

namespace Forge.Tests.Benchmarks;

public class MedianIntervalTests
{
    [Fact]
    public void Ten_values_give_the_second_and_ninth_order_statistics_with_their_exact_coverage()
    {
        var interval = MedianInterval.Of(new double[] { 7, 3, 10, 1, 5, 9, 2, 8, 4, 6 });

        Assert.Equal(5.5, interval.Median);
        Assert.Equal(2, interval.Low);
        Assert.Equal(9, interval.High);
        Assert.Equal(10, interval.Count);
        Assert.Equal(1 - 2 * 11 / 1024.0, interval.Coverage, 12); // 1 − 2·P(Bin(10, ½) ≤ 1)
    }

    [Theory]
    [InlineData(5, 1 - 2 / 32.0)] // too few for 95 %: the whole range, and it says so
    [InlineData(6, 1 - 2 / 64.0)]
    public void Small_samples_span_the_whole_range(int n, double coverage)
    {
        var interval = MedianInterval.Of(Enumerable.Range(1, n).Select(i => (double)i).ToList());

        Assert.Equal(1, interval.Low);
        Assert.Equal(n, interval.High);
        Assert.Equal(coverage, interval.Coverage, 12);
    }

    [Fact]
    public void Larger_samples_narrow_the_interval_and_keep_at_least_the_asked_coverage()
    {
        var values = Enumerable.Range(1, 40).Select(i => (double)i).ToList();

        var interval = MedianInterval.Of(values);

        Assert.InRange(interval.Coverage, 0.95, 0.99);
        Assert.Equal(14, interval.Low); // k = 14 for n = 40 at 95 % (tables of the sign-test interval)
        Assert.Equal(27, interval.High);
    }
}
