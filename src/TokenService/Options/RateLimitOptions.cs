using System.ComponentModel.DataAnnotations;

namespace TokenService.Options;

/// <summary>
/// Request rate limits (section <c>RateLimits</c>), for the deployment as a whole: every instance takes its share of
/// each budget, so N instances never allow N times the limit. They protect the service, not punish its users:
/// authenticated callers are counted per credential, unauthenticated and failing requests per address.
/// </summary>
public sealed class RateLimitOptions
{
    public const string Section = "RateLimits";

    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Requests per second one authenticated credential (a client id, a user) may make. High by default: a resource
    /// server introspecting as fast as it can, from one address, is never throttled.
    /// </summary>
    [Range(1, 100_000_000, ErrorMessage = "RateLimits:CredentialPerSecond must be between 1 and 100000000.")]
    public int CredentialPerSecond { get; set; } = 100_000;

    /// <summary>
    /// Requests per second one address may make without authenticating, or failing to: guests, discovery and
    /// documentation, wrong secrets and passwords, unknown tokens. Authenticated requests hold a unit of it only while
    /// in flight, so a busy client from one address never reaches it.
    /// </summary>
    [Range(1, 100_000_000, ErrorMessage = "RateLimits:AddressPerSecond must be between 1 and 100000000.")]
    public int AddressPerSecond { get; set; } = 1_000;
}
