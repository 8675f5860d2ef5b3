namespace Forge.Host.Specs;

/// <summary>One thing wrong with a spec: where (a JSON path such as <c>optimizer.lr</c>) and what to do about it.</summary>
internal sealed record SpecProblem(string Path, string Message)
{
    public override string ToString() => string.IsNullOrEmpty(Path) ? Message : $"{Path}: {Message}";
}
