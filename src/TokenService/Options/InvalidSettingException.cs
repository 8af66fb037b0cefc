using Microsoft.Extensions.Options;

namespace TokenService.Options;

/// <summary>
/// A setting the service cannot run with. Its message names the setting and what is allowed, and is all an operator
/// sees: the start ends with exit code 1 and that one line, never a stack trace.
/// </summary>
public sealed class InvalidSettingException : Exception
{
    public InvalidSettingException(string message)
        : base(message)
    {
    }

    public InvalidSettingException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public InvalidSettingException()
    {
    }

    /// <summary>
    /// The one line to print when <paramref name="exception"/> is a bad setting, or <c>null</c> when it is anything
    /// else (a bug, or the host being stopped by a tool): only settings are answered without a stack trace.
    /// </summary>
    public static string? Describe(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception switch
        {
            InvalidSettingException invalid => "Invalid setting: " + invalid.Message,
            OptionsValidationException validation => "Invalid setting: " + string.Join(" ", validation.Failures),

            // The configuration binder names the key whose value it could not convert (e.g. a word where a number goes);
            // its message also quotes the value, which is left out in case it is a secret.
            InvalidOperationException { Message: var message } when message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal) =>
                "Invalid setting: " + WithoutValue(message),
            AggregateException { InnerExceptions: var inner } when inner.Count > 0 && inner.All(e => Describe(e) is not null) =>
                "Invalid setting: " + string.Join(" ", inner.Select(e => Describe(e)!["Invalid setting: ".Length..])),
            _ => null,
        };
    }

    private static string WithoutValue(string message)
    {
        // "Failed to convert configuration value '<value>' at '<key>' to type '<type>'."
        var at = message.IndexOf("' at '", StringComparison.Ordinal);
        return at < 0 ? "a configuration value could not be converted." : "Failed to convert the configuration value at '" + message[(at + 6)..];
    }
}
