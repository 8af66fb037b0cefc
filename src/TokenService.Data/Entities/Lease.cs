namespace TokenService.Data.Entities;

/// <summary>
/// A named, expiring lease that one instance at a time holds, so that background work shared by every instance
/// (pruning) runs once, not concurrently on each.
/// </summary>
public sealed class Lease
{
    public required string Name { get; set; }

    /// <summary>The instance holding the lease.</summary>
    public required string Holder { get; set; }

    /// <summary>
    /// After this instant (Unix milliseconds) any instance may take the lease over. A number, not a date, so the
    /// comparison is the same SQL on SQLite (which cannot compare DateTimeOffset) and SQL Server.
    /// </summary>
    public long ExpiresAt { get; set; }
}
