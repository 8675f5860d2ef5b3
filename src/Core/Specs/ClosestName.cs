namespace Forge.Core.Specs;

/// <summary>Finds the known name a user most likely meant (case-insensitive edit distance), for "did you mean" hints.</summary>
public static class ClosestName
{
    public static string? Find(string typed, IEnumerable<string> known)
    {
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (var candidate in known)
        {
            int d = Distance(typed.ToLowerInvariant(), candidate.ToLowerInvariant());
            if (d < bestDistance)
            {
                bestDistance = d;
                best = candidate;
            }
        }
        return best is not null && bestDistance <= Math.Max(2, typed.Length / 3) ? best : null;
    }

    /// <summary>"did you mean 'x'? " or an empty string.</summary>
    public static string Hint(string typed, IEnumerable<string> known) =>
        Find(typed, known) is { } match ? $"did you mean '{match}'? " : "";

    /// <summary>
    /// Edit distance in which swapping two neighbouring letters counts as one edit, like an insertion, a deletion or a
    /// substitution (the optimal string alignment distance), so that "mpl" is closest to "mlp", not to "gpt".
    /// </summary>
    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++)
            d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++)
            d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                int best = Math.Min(d[i - 1, j - 1] + cost, Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1));
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                    best = Math.Min(best, d[i - 2, j - 2] + 1);
                d[i, j] = best;
            }
        return d[a.Length, b.Length];
    }
}
