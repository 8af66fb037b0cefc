using System.ComponentModel.DataAnnotations;

namespace TokenService.Options;

/// <summary>Token lifetimes in milliseconds, Usergrid's unit (section <c>Tokens</c>).</summary>
public sealed class TokenLifetimeOptions
{
    public const string Section = "Tokens";

    /// <summary>The longest lifetime any token may have, even where "never expires" is allowed to be narrowed by <c>ttl</c>: 100 years.</summary>
    public const long CeilingTtl = 100L * 365 * 24 * 3600 * 1000;

    /// <summary>Lifetime of tokens whose org/app sets none: 7 days. <c>0</c> = never expire.</summary>
    [Range(0, CeilingTtl, ErrorMessage = "Tokens:DefaultTtl must be between 0 and 3153600000000 milliseconds.")]
    public long DefaultTtl { get; set; } = 604_800_000;

    /// <summary>
    /// The issuer name in discovery and in tokens (an absolute URI, e.g. <c>https://tokens.example.com/</c>). Unset,
    /// the service names itself after the host of each request.
    /// </summary>
    public Uri? Issuer { get; set; }
}
