using System.Text.RegularExpressions;

namespace TokenService.Users;

/// <summary>Rules for usernames and emails. Both are case-insensitive, so they are stored lower-case.</summary>
public static partial class UserNames
{
    public static string Normalize(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value.Trim().ToLowerInvariant();
    }

    public static string? ValidateUsername(string? username) =>
        username is not null && UsernamePattern().IsMatch(username) && !username.Equals("me", StringComparison.OrdinalIgnoreCase)
            ? null
            : "username is required: 1 to 64 characters of letters, digits, '.', '_', '-' or '@', starting with a letter or digit, and not \"me\".";

    public static string? ValidateEmail(string? email, bool required) =>
        email is null
            ? required ? "email is required." : null
            : email.Length <= 254 && EmailPattern().IsMatch(email) ? null : "email is not a valid address.";

    /// <summary>
    /// Whether a name looked up could be one the service stored (every stored username and email passed the rules
    /// above): one with a control character or of any length is not looked up at all — PostgreSQL refuses a NUL in
    /// text outright, and no query is needed to know the answer is "nobody".
    /// </summary>
    public static bool CouldBeStored(string name) =>
        name is { Length: > 0 and <= 254 } && !name.AsSpan().ContainsAnyInRange('\u0000', '\u001f') && !name.Contains('\u007f', StringComparison.Ordinal);

    /// <summary>A path segment names a user by uuid or by username.</summary>
    public static bool IsUuid(string value, out Guid id) => Guid.TryParse(value, out id);

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 100)]
    private static partial Regex UsernamePattern();

    [GeneratedRegex(@"^[^@\s]+@[^@\s]+\.[^@\s]+$", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 100)]
    private static partial Regex EmailPattern();
}
