namespace Forge.Bench;

/// <summary>
/// The median of a sample with a distribution-free confidence interval: the order statistics x(k) and x(n+1-k), with
/// k the largest rank whose two-sided binomial(n, ½) tail stays within 1 − confidence. Below 6 values no interval
/// reaches 95 %: it is then the whole range, and <see cref="Coverage"/> says how sure that is.
/// </summary>
/// <param name="Coverage">The probability that the interval holds the true median: 1 − 2·P(X &lt; k) for X ~ Bin(n, ½).</param>
public sealed record MedianInterval(double Median, double Low, double High, int Count, double Coverage)
{
    public static MedianInterval Of(IReadOnlyList<double> values, double confidence = 0.95)
    {
        if (values.Count == 0)
            throw new ArgumentException("no values", nameof(values));
        var sorted = values.OrderBy(v => v).ToArray();
        int n = sorted.Length;
        int k = 1;
        while (k + 1 <= n / 2 && 2 * BinomialTail(n, k) <= 1 - confidence) // P(X ≤ k) with X ~ Bin(n, ½): x(k+1) still bounds the median
            k++;
        return new MedianInterval(Forge.Core.Training.Median.Of(sorted), sorted[k - 1], sorted[n - k], n, 1 - 2 * BinomialTail(n, k - 1));
    }

    /// <summary>P(X ≤ k) for X ~ Binomial(n, ½).</summary>
    private static double BinomialTail(int n, int k)
    {
        double sum = 0, term = Math.Pow(0.5, n); // C(n, 0) / 2^n
        for (int i = 0; i <= k; i++)
        {
            sum += term;
            term = term * (n - i) / (i + 1);
        }
        return sum;
    }
}
