using System.ComponentModel.DataAnnotations;

namespace TokenService.Options;

/// <summary>Brute-force protection of client secrets and passwords (section <c>BruteForce</c>).</summary>
public sealed class BruteForceOptions
{
    public const string Section = "BruteForce";

    /// <summary>Failed attempts for one client id or username from one address before that pair is refused (429).</summary>
    [Range(1, 100_000, ErrorMessage = "BruteForce:MaxFailuresPerIdentity must be between 1 and 100000.")]
    public int MaxFailuresPerIdentity { get; set; } = 10;

    /// <summary>Failed attempts from one address, whatever identities it tries, before the address is refused.</summary>
    [Range(1, 1_000_000, ErrorMessage = "BruteForce:MaxFailuresPerAddress must be between 1 and 1000000.")]
    public int MaxFailuresPerAddress { get; set; } = 100;

    /// <summary>Failures are counted over this window from the first one; a refused caller may retry once it passes.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00", ErrorMessage = "BruteForce:Window must be between 00:00:01 and 1.00:00:00.")]
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(5);
}
