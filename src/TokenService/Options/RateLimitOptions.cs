using System.ComponentModel.DataAnnotations;

namespace TokenService.Options;

/// <summary>Request rate limits per remote address (section <c>RateLimits</c>), on top of brute-force protection.</summary>
public sealed class RateLimitOptions
{
    public const string Section = "RateLimits";

    public bool Enabled { get; set; } = true;

    /// <summary>Requests per second one address may make to the token, introspection, revocation and access-check endpoints.</summary>
    [Range(1, 10_000_000, ErrorMessage = "RateLimits:ProtocolPerSecond must be between 1 and 10000000.")]
    public int ProtocolPerSecond { get; set; } = 5_000;

    /// <summary>Requests per second one address may make to everything else: management API, Usergrid paths, discovery.</summary>
    [Range(1, 10_000_000, ErrorMessage = "RateLimits:ManagementPerSecond must be between 1 and 10000000.")]
    public int ManagementPerSecond { get; set; } = 200;
}
