namespace TokenService.Callers;

/// <summary>
/// The one answer to "may this caller act on this org / app / token?". Management endpoints,
/// introspection, revocation and the access check all ask here.
/// </summary>
public static class Powers
{
    /// <summary>Administer an organization (and thereby all its apps).</summary>
    public static bool CanManageOrg(Caller caller, string org)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return caller.Type switch
        {
            PrincipalType.Superuser => true,
            PrincipalType.OrgClient => string.Equals(caller.Org, org, StringComparison.Ordinal),
            _ => false,
        };
    }

    /// <summary>Administer one application.</summary>
    public static bool CanManageApp(Caller caller, string org, string app)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return CanManageOrg(caller, org) ||
               caller.Type == PrincipalType.AppClient &&
               string.Equals(caller.Org, org, StringComparison.Ordinal) &&
               string.Equals(caller.App, app, StringComparison.Ordinal);
    }

    /// <summary>
    /// See (introspect) or revoke a token. The token's scope is what was stamped on it when issued.
    /// Resource servers reach their organization's tokens, but only through introspection:
    /// OpenIddict's endpoint permissions keep them away from revocation.
    /// </summary>
    public static bool CanReachToken(Caller caller, TokenScope token)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(token);
        return caller.Type switch
        {
            PrincipalType.Superuser => true,
            PrincipalType.OrgClient or PrincipalType.ResourceServer => caller.OrgId is { } org && org == token.OrgId,
            PrincipalType.AppClient => caller.AppId is { } app && app == token.AppId,
            PrincipalType.AdminUser or PrincipalType.AppUser => caller.Subject.Length > 0 && caller.Subject == token.Subject,
            _ => false,
        };
    }
}

/// <summary>Which tenant and subject a token belongs to, as stamped on it at issuance.</summary>
public sealed record TokenScope(Guid? OrgId, Guid? AppId, string? Subject);
