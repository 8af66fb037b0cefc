namespace TokenService.Data.Entities;

/// <summary>
/// Failed authentications counted for one key — an identity at an address, or an address — in the database every
/// instance shares, so that N instances behind a balancer never give an attacker N times the threshold.
/// </summary>
public sealed class FailureCounter
{
    /// <summary>A SHA-256 digest (hex) of the counter's key: fixed width, and no username or address stored in clear.</summary>
    public required string Key { get; set; }

    /// <summary>When the current window began (Unix milliseconds: the same comparisons on every provider).</summary>
    public long WindowStart { get; set; }

    /// <summary>Failures since <see cref="WindowStart"/>.</summary>
    public int Count { get; set; }

    /// <summary>After this instant (Unix milliseconds) the row means nothing and pruning deletes it.</summary>
    public long ExpiresAt { get; set; }
}
