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

    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
            previous[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j] + 1, current[j - 1] + 1));
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
