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
        return PrincipalKinds.Of(caller.Type).Manages switch
        {
            Reach.Everything => true,
            Reach.OwnOrg => string.Equals(caller.Org, org, StringComparison.Ordinal),
            Reach.MemberOrgs => caller.Memberships.Any(m => string.Equals(m.Org, org, StringComparison.Ordinal)),
            _ => false,
        };
    }

    /// <summary>Administer one application.</summary>
    public static bool CanManageApp(Caller caller, string org, string app)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return CanManageOrg(caller, org) ||
               PrincipalKinds.Of(caller.Type).Manages == Reach.OwnApp && IsOf(caller, org, app);
    }

    /// <summary>Create an organization: the service's administrator, or anyone while registration is open.</summary>
    public static bool CanCreateOrganization(Caller caller, bool registrationOpen)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return registrationOpen || PrincipalKinds.Of(caller.Type).Manages == Reach.Everything;
    }

    /// <summary>List every organization: the service's administrator.</summary>
    public static bool CanListOrganizations(Caller caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return PrincipalKinds.Of(caller.Type).Manages == Reach.Everything;
    }

    /// <summary>Create an admin user: whoever administers organizations (to add admins to), or anyone while registration is open.</summary>
    public static bool CanCreateAdminUser(Caller caller, bool registrationOpen)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return registrationOpen || PrincipalKinds.Of(caller.Type).Manages is Reach.Everything or Reach.OwnOrg or Reach.MemberOrgs;
    }

    /// <summary>Know which admin users exist (a 404 for a missing one rather than the 403 everyone else gets).</summary>
    public static bool CanListAdminUsers(Caller caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return PrincipalKinds.Of(caller.Type).Manages == Reach.Everything;
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
    /// Use an application's resources, as the access check answers for resource servers: its administrators, its own
    /// users, and guests when the application is open.
    /// </summary>
    public static bool CanUseApp(Caller caller, string org, string app, bool secured)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var kind = PrincipalKinds.Of(caller.Type);
        return kind.Manages != Reach.None ? CanManageApp(caller, org, app)
            : kind.ReachesTokens == Reach.Self ? IsOf(caller, org, app)  // a user of the app
            : kind.ReachesTokens == Reach.None && !secured;               // a guest, on an open app
    }

    /// <summary>Ask the access check at all (an API's resource server, its org client, the superuser).</summary>
    public static bool CanAskAccessCheck(Caller caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return PrincipalKinds.Of(caller.Type).ChecksAccess;
    }

    /// <summary>Ask the access check about an organization's applications: an API asks only about its own organization's.</summary>
    public static bool CanAskAccessCheckAbout(Caller caller, string org)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var kind = PrincipalKinds.Of(caller.Type);
        return kind.ChecksAccess && (kind.ReachesTokens == Reach.Everything || string.Equals(caller.Org, org, StringComparison.Ordinal));
    }

    /// <summary>Read, change or revoke an admin user: the service's administrator, or that admin itself.</summary>
    public static bool CanManageAdminUser(Caller caller, Guid userId)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var kind = PrincipalKinds.Of(caller.Type);
        return kind.Manages == Reach.Everything ||
               kind.IsUser && kind.Manages == Reach.MemberOrgs && caller.Subject == userId.ToString();
    }

    /// <summary>
    /// See (introspect) or revoke a token. The token's scope is what was stamped on it when issued. Resource servers
    /// reach their organization's tokens, but only through introspection: OpenIddict's endpoint permissions keep them
    /// away from revocation.
    /// </summary>
    public static bool CanReachToken(Caller caller, TokenScope token)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(token);
        var own = caller.Subject.Length > 0 && caller.Subject == token.Subject;
        return PrincipalKinds.Of(caller.Type).ReachesTokens switch
        {
            Reach.Everything => true,
            Reach.OwnOrg => caller.OrgId is { } org && org == token.OrgId,
            Reach.OwnApp => caller.AppId is { } app && app == token.AppId,
            Reach.MemberOrgs => own || caller.Memberships.Any(m => m.OrgId == token.OrgId),
            Reach.Self => own,
            _ => false,
        };
    }

    /// <summary>
    /// See (introspect) or revoke a token, as the protocol endpoints ask: the client that obtained it (its presenter),
    /// or a caller whose powers reach its tenant (<see cref="CanReachToken"/>).
    /// </summary>
    public static bool CanSeeToken(string clientId, Caller? caller, IEnumerable<string> presenters, TokenScope scope) =>
        presenters.Contains(clientId, StringComparer.Ordinal) || caller is not null && CanReachToken(caller, scope);

    private static bool IsSelf(Caller caller, string org, string app, Guid userId) =>
        PrincipalKinds.Of(caller.Type) is { IsUser: true, ReachesTokens: Reach.Self } && caller.Subject == userId.ToString() && IsOf(caller, org, app);

    private static bool IsOf(Caller caller, string org, string app) =>
        string.Equals(caller.Org, org, StringComparison.Ordinal) && string.Equals(caller.App, app, StringComparison.Ordinal);
}

/// <summary>Which tenant and subject a token belongs to, as stamped on it at issuance.</summary>
public sealed record TokenScope(Guid? OrgId, Guid? AppId, string? Subject);
