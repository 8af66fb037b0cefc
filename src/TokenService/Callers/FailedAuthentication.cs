using System.Net;
using TokenService.Audit;
using TokenService.Security;

namespace TokenService.Callers;

/// <summary>A failed authentication, wherever it happened (the OAuth endpoints, the management API, the access check).</summary>
public static class FailedAuthentication
{
    /// <summary>
    /// Counted against the identity and the address, and audited under the organization of the client that was tried.
    /// Never cancelled by the request: a client that hangs up right after a wrong guess must not take it out of the
    /// count or the log.
    /// </summary>
    public static async Task RecordAsync(FailedAttempts attempts, AuditLog audits, ClientDirectory directory, string identity, IPAddress? address,
        string? clientId, string actor, string detail)
    {
        ArgumentNullException.ThrowIfNull(attempts);
        ArgumentNullException.ThrowIfNull(audits);
        ArgumentNullException.ThrowIfNull(directory);
        await attempts.RecordFailureAsync(identity, address);
        await audits.RecordAsync(AuditKinds.AuthenticationFailed, await directory.OrganizationOfAsync(clientId, CancellationToken.None),
            actor, detail, actor: actor);
    }
}
