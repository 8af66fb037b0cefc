using System.Text.RegularExpressions;

namespace TokenService.Tenants;

/// <summary>The naming rules of organizations, applications and resource servers.</summary>
public static partial class Names
{
    /// <summary>Route words that an organization name would shadow.</summary>
    private static readonly HashSet<string> Reserved = new(StringComparer.Ordinal)
    {
        "management", "token", "introspect", "revoke", "swagger", "health", ".well-known",
        "connect", "portal", "access", "bench",
    };

    public static bool IsValid(string? name) => name is not null && Pattern().IsMatch(name);

    public static bool IsValidOrganization(string? name) => IsValid(name) && !Reserved.Contains(name!);

    public const string Rule = "Names must match ^[a-z0-9][a-z0-9-]{0,63}$.";

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,63}$", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 100)]
    private static partial Regex Pattern();
}
