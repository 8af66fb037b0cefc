using System.ComponentModel.DataAnnotations;

namespace TokenService.Options;

/// <summary>
/// How much each in-memory cache may hold (section <c>Caches</c>). How long an entry may be used is not a setting: it
/// is the contract's bound (one second after its read began, none once this instance changed the row).
/// </summary>
public sealed class CacheOptions
{
    public const string Section = "Caches";

    /// <summary>
    /// Entries per cache (validated tokens, clients, client secrets' hashes, TTL settings, apps' <c>secured</c> flags,
    /// verified secrets). A full cache evicts; nothing is lost but a database read.
    /// </summary>
    [Range(1_000, 10_000_000, ErrorMessage = "Caches:Entries must be between 1000 and 10000000.")]
    public int Entries { get; set; } = 100_000;

    /// <summary>A verified secret not presented for this long is verified again (PBKDF2) the next time.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00", ErrorMessage = "Caches:VerifiedSecretIdle must be between 00:01:00 and 1.00:00:00.")]
    public TimeSpan VerifiedSecretIdle { get; set; } = TimeSpan.FromMinutes(30);
}
