using System.ComponentModel.DataAnnotations;

namespace TokenService.Options;

/// <summary>Background deletion of expired and revoked tokens (section <c>Pruning</c>).</summary>
public sealed class PruningOptions
{
    public const string Section = "Pruning";

    public bool Enabled { get; set; } = true;

    /// <summary>Time between pruning runs. Only one instance prunes per run (a lease in the database).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00", ErrorMessage = "Pruning:Interval must be between 00:00:01 and 7.00:00:00.")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// How long a token stays after it expired, or after it was created when it is revoked or redeemed, before it
    /// may be deleted; kept at least as long as the refresh-token reuse leeway.
    /// </summary>
    [Range(typeof(TimeSpan), "00:01:00", "365.00:00:00", ErrorMessage = "Pruning:MinimumAge must be between 00:01:00 and 365.00:00:00.")]
    public TimeSpan MinimumAge { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Rows deleted per statement: short transactions that never hold many locks.</summary>
    [Range(1, 100_000, ErrorMessage = "Pruning:BatchSize must be between 1 and 100000.")]
    public int BatchSize { get; set; } = 1_000;

    /// <summary>Audit events older than this are deleted by the same runs.</summary>
    [Range(typeof(TimeSpan), "1.00:00:00", "3650.00:00:00", ErrorMessage = "Pruning:AuditRetention must be between 1.00:00:00 and 3650.00:00:00.")]
    public TimeSpan AuditRetention { get; set; } = TimeSpan.FromDays(90);
}
