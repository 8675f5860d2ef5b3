namespace Forge.Core.Errors;

/// <summary>The run could not be set up because of the user's input (a plugin rejected its options, a file is missing).</summary>
public sealed class RunSetupException(string message, Exception? inner = null) : Exception(message, inner);
