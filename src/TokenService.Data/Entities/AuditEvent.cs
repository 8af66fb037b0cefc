namespace TokenService.Data.Entities;

/// <summary>
/// One security-relevant event: a token issued or revoked, a TTL changed, a secret regenerated, a failed
/// authentication. Append-only; never holds a secret, a password or a bearer token (tokens are named by row id).
/// </summary>
public sealed class AuditEvent
{
    /// <summary>Increasing with insertion, so it orders events and serves as the paging cursor.</summary>
    public long Id { get; set; }

    /// <summary>When (Unix milliseconds: the same comparisons on SQLite and SQL Server).</summary>
    public long At { get; set; }

    /// <summary>The tenant the event belongs to; null for events of no organization (an unknown client id).</summary>
    public Guid? OrganizationId { get; set; }

    /// <summary>What happened: one of the AuditKinds of the service.</summary>
    public required string Kind { get; set; }

    /// <summary>Who: the principal that acted, or the identity that failed to authenticate.</summary>
    public required string Actor { get; set; }

    /// <summary>On what: an app, a client, a token row id, a user.</summary>
    public string? Target { get; set; }

    /// <summary>A short, secret-free detail (old and new TTL, how many tokens).</summary>
    public string? Detail { get; set; }

    /// <summary>The remote address of the request, when there was one.</summary>
    public string? Address { get; set; }
}
