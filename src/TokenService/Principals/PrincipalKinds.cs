using Microsoft.EntityFrameworkCore;
using TokenService.Data;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace TokenService.Principals;

/// <summary>How far a principal's powers extend: over tenants (management) or over tokens (introspection, revocation).</summary>
public enum Reach
{
    /// <summary>Nothing.</summary>
    None,

    /// <summary>Only what is its own (an app user: its own tokens).</summary>
    Self,

    /// <summary>Its application.</summary>
    OwnApp,

    /// <summary>Its organization, and every app of it.</summary>
    OwnOrg,

    /// <summary>The organizations it is an admin of (read when the request is resolved) — and, for tokens, its own.</summary>
    MemberOrgs,

    /// <summary>Everything.</summary>
    Everything,
}

/// <summary>Whose <c>accesstokenttl</c> governs a principal's tokens.</summary>
public enum TtlSource
{
    /// <summary>The service's default (<c>Tokens:DefaultTtl</c>).</summary>
    Service,

    /// <summary>Its organization's.</summary>
    Organization,

    /// <summary>Its application's.</summary>
    Application,
}

/// <summary>
/// Everything that differs from one kind of principal to another, in one row: how it is named on the wire, how its
/// client id is recognised and found, what OpenIddict lets its client do, whose TTL its tokens get and what it may do.
/// The client directory, the client registry, the TTL policy, the audit log, the access check and <see cref="Powers"/>
/// read this table and nothing else about kinds.
/// </summary>
/// <param name="Type">The kind.</param>
/// <param name="WireName">Its name in <c>principal_type</c>, the access check's answer and the audit log.</param>
/// <param name="OnTokens">Whether tokens are issued to it (and carry its kind as <c>principal_type</c>).</param>
/// <param name="ClientIdPrefix">The prefix of its generated client id, when it is a client of its own.</param>
/// <param name="ClientPermissions">What OpenIddict lets its own client do.</param>
/// <param name="SignInClientPermissions">
/// For a user kind, what the public client it signs in through may do (an app's <c>pub_</c> client, <c>management</c>).
/// </param>
/// <param name="Ttl">Whose <c>accesstokenttl</c> its tokens get.</param>
/// <param name="Manages">Which tenants it administers.</param>
/// <param name="ReachesTokens">Whose tokens it may introspect (and, where its client may, revoke).</param>
/// <param name="ChecksAccess">Whether it may ask the access check, within <paramref name="ReachesTokens"/>.</param>
/// <param name="FindByClientId">Its row, as a caller, by client id (for kinds with a <paramref name="ClientIdPrefix"/>).</param>
public sealed record PrincipalKind(
    PrincipalType Type,
    string WireName,
    bool OnTokens,
    string? ClientIdPrefix,
    IReadOnlyList<string> ClientPermissions,
    IReadOnlyList<string> SignInClientPermissions,
    TtlSource Ttl,
    Reach Manages,
    Reach ReachesTokens,
    bool ChecksAccess,
    Func<TokenServiceDbContext, string, CancellationToken, Task<Caller?>>? FindByClientId = null)
{
    /// <summary>Its <c>principal_type</c> on tokens; <c>null</c> for kinds tokens are not issued to.</summary>
    public string? TokenWireName => OnTokens ? WireName : null;

    /// <summary>A user (signs in with a password; named by username in the log).</summary>
    public bool IsUser => SignInClientPermissions.Count > 0;

    /// <summary>Obtains tokens of its own with <c>client_credentials</c>.</summary>
    public bool ObtainsOwnTokens => ClientPermissions.Contains(Permissions.GrantTypes.ClientCredentials);
}

/// <summary>The table of principal kinds.</summary>
public static class PrincipalKinds
{
    private static readonly string[] SignIn =
        [Permissions.Endpoints.Token, Permissions.GrantTypes.Password, Permissions.GrantTypes.RefreshToken];

    private static readonly CompiledQuery<Func<TokenServiceDbContext, string, CancellationToken, Task<Caller?>>> OrgClient =
        new(() => EF.CompileAsyncQuery((TokenServiceDbContext db, string clientId, CancellationToken _) => db.Organizations.AsNoTracking()
            .Where(o => o.ClientId == clientId)
            .Select(o => new Caller(PrincipalType.OrgClient, o.ClientId, o.Id, o.Name, null, null, null))
            .FirstOrDefault()));

    private static readonly CompiledQuery<Func<TokenServiceDbContext, string, CancellationToken, Task<Caller?>>> AppClient =
        new(() => EF.CompileAsyncQuery((TokenServiceDbContext db, string clientId, CancellationToken _) => db.Applications.AsNoTracking()
            .Where(a => a.ClientId == clientId)
            .Select(a => new Caller(PrincipalType.AppClient, a.ClientId, a.OrganizationId, a.Organization.Name, a.Id, a.Name, null))
            .FirstOrDefault()));

    private static readonly CompiledQuery<Func<TokenServiceDbContext, string, CancellationToken, Task<Caller?>>> ResourceServerClient =
        new(() => EF.CompileAsyncQuery((TokenServiceDbContext db, string clientId, CancellationToken _) => db.ResourceServers.AsNoTracking()
            .Where(r => r.ClientId == clientId)
            .Select(r => new Caller(PrincipalType.ResourceServer, r.ClientId, r.OrganizationId, r.Organization.Name, null, null, null))
            .FirstOrDefault()));

    /// <summary>Every kind, in <see cref="PrincipalType"/> order.</summary>
    public static IReadOnlyList<PrincipalKind> All { get; } =
    [
        new(PrincipalType.Guest, "guest", OnTokens: false, ClientIdPrefix: null, ClientPermissions: [], SignInClientPermissions: [],
            TtlSource.Service, Manages: Reach.None, ReachesTokens: Reach.None, ChecksAccess: false),
        new(PrincipalType.AdminUser, "admin_user", OnTokens: true, ClientIdPrefix: null, ClientPermissions: [], SignInClientPermissions: SignIn,
            TtlSource.Service, Manages: Reach.MemberOrgs, ReachesTokens: Reach.MemberOrgs, ChecksAccess: false),
        new(PrincipalType.OrgClient, "org_client", OnTokens: true, ClientIdPrefix: "org_",
            ClientPermissions: [Permissions.Endpoints.Token, Permissions.Endpoints.Introspection, Permissions.Endpoints.Revocation, Permissions.GrantTypes.ClientCredentials],
            SignInClientPermissions: [], TtlSource.Organization, Manages: Reach.OwnOrg, ReachesTokens: Reach.OwnOrg, ChecksAccess: true,
            (db, id, cancellation) => OrgClient.For(db)(db, id, cancellation)),
        new(PrincipalType.AppClient, "app_client", OnTokens: true, ClientIdPrefix: "app_",
            ClientPermissions:
            [
                Permissions.Endpoints.Token, Permissions.Endpoints.Introspection, Permissions.Endpoints.Revocation,
                Permissions.GrantTypes.ClientCredentials, Permissions.GrantTypes.Password, Permissions.GrantTypes.RefreshToken,
            ],
            SignInClientPermissions: [], TtlSource.Application, Manages: Reach.OwnApp, ReachesTokens: Reach.OwnApp, ChecksAccess: false,
            (db, id, cancellation) => AppClient.For(db)(db, id, cancellation)),
        new(PrincipalType.AppUser, "app_user", OnTokens: true, ClientIdPrefix: null, ClientPermissions: [], SignInClientPermissions: SignIn,
            TtlSource.Application, Manages: Reach.None, ReachesTokens: Reach.Self, ChecksAccess: false),

        // Resource servers reach their organization's tokens through introspection only: their client has no other endpoint.
        new(PrincipalType.ResourceServer, "resource_server", OnTokens: false, ClientIdPrefix: "rs_",
            ClientPermissions: [Permissions.Endpoints.Introspection], SignInClientPermissions: [],
            TtlSource.Service, Manages: Reach.None, ReachesTokens: Reach.OwnOrg, ChecksAccess: true,
            (db, id, cancellation) => ResourceServerClient.For(db)(db, id, cancellation)),

        // The configured superuser: its client (named after its username, its secret the configured password) introspects
        // and revokes anything, and never obtains tokens of its own.
        new(PrincipalType.Superuser, "superuser", OnTokens: false, ClientIdPrefix: null,
            ClientPermissions: [Permissions.Endpoints.Introspection, Permissions.Endpoints.Revocation], SignInClientPermissions: [],
            TtlSource.Service, Manages: Reach.Everything, ReachesTokens: Reach.Everything, ChecksAccess: true),
    ];

    /// <summary>The row of <paramref name="type"/>.</summary>
    public static PrincipalKind Of(PrincipalType type) => All[(int)type];

    /// <summary>The kind whose generated client ids start as <paramref name="clientId"/> does, if any.</summary>
    public static PrincipalKind? ByClientId(string clientId)
    {
        ArgumentNullException.ThrowIfNull(clientId);
        foreach (var kind in All)
        {
            if (kind.ClientIdPrefix is { } prefix && clientId.StartsWith(prefix, StringComparison.Ordinal))
            {
                return kind;
            }
        }

        return null;
    }

    /// <summary>The kind a token's <c>principal_type</c> names (only kinds tokens are issued to).</summary>
    public static PrincipalType? FromWire(string? value)
    {
        foreach (var kind in All)
        {
            if (kind.OnTokens && string.Equals(kind.WireName, value, StringComparison.Ordinal))
            {
                return kind.Type;
            }
        }

        return null;
    }
}
