namespace Forge.Abstractions.Plugins;

/// <summary>
/// Thrown by a plugin for a problem the user can fix (a missing data file, an option combination that cannot work).
/// The host shows <see cref="Exception.Message"/> as the error, without a stack trace, so write it as one paragraph
/// that names the field or file and says what would fix it.
/// </summary>
public sealed class PluginException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong, where, and how to fix it.</param>
    /// <param name="inner">The underlying error, if any.</param>
    public PluginException(string message, Exception? inner = null) : base(message, inner) { }
}
