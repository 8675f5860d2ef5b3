using System.Text.Json.Nodes;

namespace Forge.Core.Specs;

/// <summary>One file of an <c>extends</c> chain: its full path and its fields without <c>extends</c>.</summary>
/// <param name="File">The file's full path.</param>
/// <param name="Patch">Its fields, merged over its base.</param>
public sealed record SpecLayer(string File, JsonObject Patch);
