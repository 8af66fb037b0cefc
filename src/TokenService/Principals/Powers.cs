namespace TokenService.Principals;

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
            PrincipalType.AdminUser => caller.Memberships.Any(m => string.Equals(m.Org, org, StringComparison.Ordinal)),
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

    /// <summary>Read an app user: the app's administrators, or the user itself.</summary>
    public static bool CanReadAppUser(Caller caller, string org, string app, Guid userId) =>
        CanManageApp(caller, org, app) || IsSelf(caller, org, app, userId);

    /// <summary>Revoke an app user's tokens: the app's administrators, or the user itself.</summary>
    public static bool CanRevokeAppUserTokens(Caller caller, string org, string app, Guid userId) =>
        CanReadAppUser(caller, org, app, userId);

    /// <summary>Create a user in an app: its administrators, or anyone at all when the app is open (not secured).</summary>
    public static bool CanCreateAppUser(Caller caller, string org, string app, bool secured)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return CanManageApp(caller, org, app) || !secured;
    }

    /// <summary>
    /// Use an application's resources, as the access check answers for resource servers: its administrators,
    /// its own users, and guests when the application is open.
    /// </summary>
    public static bool CanUseApp(Caller caller, string org, string app, bool secured)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return caller.Type switch
        {
            PrincipalType.Guest => !secured,
            PrincipalType.AppUser => string.Equals(caller.Org, org, StringComparison.Ordinal) &&
                                     string.Equals(caller.App, app, StringComparison.Ordinal),
            _ => CanManageApp(caller, org, app),
        };
    }

    /// <summary>Read, change or revoke an admin user: the superuser, or that admin itself.</summary>
    public static bool CanManageAdminUser(Caller caller, Guid userId)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return caller.Type == PrincipalType.Superuser ||
               caller.Type == PrincipalType.AdminUser && caller.Subject == userId.ToString();
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
            PrincipalType.AdminUser => caller.Subject.Length > 0 && caller.Subject == token.Subject ||
                                       caller.Memberships.Any(m => m.OrgId == token.OrgId),
            PrincipalType.AppUser => caller.Subject.Length > 0 && caller.Subject == token.Subject,
            _ => false,
        };
    }

    /// <summary>
    /// See (introspect) or revoke a token, as the protocol endpoints ask: the client that obtained it (its presenter),
    /// or a caller whose powers reach its tenant (<see cref="CanReachToken"/>).
    /// </summary>
    public static bool CanSeeToken(string clientId, Caller? caller, IEnumerable<string> presenters, TokenScope scope) =>
        presenters.Contains(clientId, StringComparer.Ordinal) || caller is not null && CanReachToken(caller, scope);

    private static bool IsSelf(Caller caller, string org, string app, Guid userId)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return caller.Type == PrincipalType.AppUser && caller.Subject == userId.ToString() &&
               string.Equals(caller.Org, org, StringComparison.Ordinal) &&
               string.Equals(caller.App, app, StringComparison.Ordinal);
    }
}

/// <summary>Which tenant and subject a token belongs to, as stamped on it at issuance.</summary>
public sealed record TokenScope(Guid? OrgId, Guid? AppId, string? Subject);
