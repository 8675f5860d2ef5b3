namespace Forge.Core.Errors;

/// <summary>A spec (or its command-line overrides) has problems; every problem found is listed, not just the first.</summary>
public sealed class SpecException : Exception
{
    public SpecException(string source, IReadOnlyList<SpecProblem> problems)
        : base(Format(source, problems))
    {
        Source = source;
        Problems = problems;
    }

    public SpecException(string source, SpecProblem problem) : this(source, new[] { problem }) { }

    public new string Source { get; }

    public IReadOnlyList<SpecProblem> Problems { get; }

    private static string Format(string source, IReadOnlyList<SpecProblem> problems)
    {
        var noun = problems.Count == 1 ? "problem" : "problems";
        return $"{source} has {problems.Count} {noun}:" + string.Concat(problems.Select(p => $"{Environment.NewLine}  - {p}"));
    }
}
