namespace Forge.Abstractions.Callbacks;

/// <summary>How the run ended, as a callback sees it.</summary>
/// <param name="Status"><c>completed</c>, <c>diverged</c>, <c>interrupted</c> or <c>failed</c>.</param>
/// <param name="Step">Updates taken.</param>
/// <param name="TotalSteps">The planned number of updates.</param>
public sealed record RunEndContext(string Status, int Step, int TotalSteps);
