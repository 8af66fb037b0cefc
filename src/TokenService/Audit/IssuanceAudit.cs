namespace TokenService.Audit;

/// <summary>
/// The audit event of the token a request is issuing, raised by the grant that decided to issue it (it holds the client,
/// the tenant and the address) and completed here with the row it describes, so that the token store neither reaches
/// back to the HTTP context nor looks the client up again. One per request scope.
/// </summary>
public sealed class IssuanceAudit(TimeProvider clock)
{
    private (Guid? OrganizationId, string? ClientId, string? Address)? _raised;

    /// <summary>Called by the grant: who obtains the token, for which tenant, from where.</summary>
    public void Raise(Guid? organizationId, string? clientId, string? address) => _raised = (organizationId, clientId, address);

    /// <summary>The event of the row about to be inserted (an event without tenant when no grant raised one).</summary>
    public Data.Entities.AuditEvent EventFor(OpenIddict.EntityFrameworkCore.Models.OpenIddictEntityFrameworkCoreToken token)
    {
        ArgumentNullException.ThrowIfNull(token);
        var (organizationId, clientId, address) = _raised ?? (null, token.Application?.ClientId, null);
        return AuditLog.TokenIssued(clock.GetUtcNow().ToUnixTimeMilliseconds(), organizationId, token, clientId, address);
    }
}
