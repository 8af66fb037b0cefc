using System.Globalization;

namespace TokenService.Security;

/// <summary>
/// The brute-force rule's words, shared by every place that applies it (the OAuth endpoints, the lean path, the
/// credential resolver of the management API and the access check): what is counted, and what a refusal says.
/// </summary>
public static class BruteForce
{
    /// <summary>The error code of a refusal: RFC 6749's code for "try again later".</summary>
    public const string Error = "temporarily_unavailable";

    /// <summary>A wait in the whole seconds of a <c>Retry-After</c> header, never 0.</summary>
    public static long WholeSeconds(TimeSpan wait) => Math.Max(1, (long)Math.Ceiling(wait.TotalSeconds));

    /// <summary>The error description of a brute-force refusal.</summary>
    public static string Refusal(long seconds) =>
        string.Create(CultureInfo.InvariantCulture, $"Too many failed attempts: retry after {seconds} seconds.");

    /// <summary>The identity a failed client authentication counts against.</summary>
    public static string ClientIdentity(string? clientId) => "client\n" + clientId;

    /// <summary>The identity a failed password counts against: usernames are unique within the client's scope.</summary>
    public static string UserIdentity(string? clientId, string? username) =>
        "user\n" + clientId + "\n" + username?.ToUpperInvariant();
}
