namespace Forge.Core.Errors;

/// <summary>One thing wrong with a spec: where (a JSON path such as <c>optimizer.lr</c>) and what to do about it.</summary>
public sealed record SpecProblem(string Path, string Message)
{
    public override string ToString() => string.IsNullOrEmpty(Path) ? Message : $"{Path}: {Message}";
}
