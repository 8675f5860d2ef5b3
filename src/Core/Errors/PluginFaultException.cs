namespace Forge.Core.Errors;

/// <summary>A plugin broke the contract or crashed while being set up; a bug to report to the plugin's author.</summary>
public sealed class PluginFaultException(string message, Exception? inner = null) : Exception(message, inner);
