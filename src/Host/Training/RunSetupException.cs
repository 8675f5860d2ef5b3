namespace Forge.Host.Training;

/// <summary>The run could not be set up because of the user's input (a plugin rejected its options, a file is missing).</summary>
internal sealed class RunSetupException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>A plugin broke the contract or crashed while being set up; a bug to report to the plugin's author.</summary>
internal sealed class PluginFaultException(string message, Exception? inner = null) : Exception(message, inner);
