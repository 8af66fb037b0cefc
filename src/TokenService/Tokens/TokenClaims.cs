using System.Security.Claims;
using OpenIddict.Abstractions;
using TokenService.Principals;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace TokenService.Tokens;

/// <summary>
/// The token scope seam: what a token belongs to is stamped here when it is issued and read back here by
/// introspection, revocation and credential resolution, so no two places derive it differently.
/// </summary>
public static class TokenClaims
{
    public const string PrincipalType = "principal_type";
    public const string Org = "org";
    public const string OrgId = "org_id";
    public const string App = "app";
    public const string AppId = "app_id";
    public const string Username = "username";

    /// <summary>Builds the principal of a token issued to <paramref name="caller"/>.</summary>
    public static ClaimsPrincipal CreatePrincipal(Caller caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var identity = new ClaimsIdentity(
            authenticationType: "TokenService", nameType: Claims.Name, roleType: Claims.Role);
        identity.SetClaim(Claims.Subject, caller.Subject)
            .SetClaim(PrincipalType, PrincipalKinds.Of(caller.Type).TokenWireName)
            .SetClaim(Org, caller.Org)
            .SetClaim(OrgId, caller.OrgId?.ToString())
            .SetClaim(App, caller.App)
            .SetClaim(AppId, caller.AppId?.ToString())
            .SetClaim(Username, caller.Username);

        // Every claim goes to the access token only: tokens are opaque reference tokens,
        // so these never leave the service except through introspection.
        identity.SetDestinations(static _ => [Destinations.AccessToken]);
        return new ClaimsPrincipal(identity);
    }

    /// <summary>Reads back who a token was issued to.</summary>
    public static Caller? ReadCaller(ClaimsPrincipal principal)
    {
        ArgumentNullException.ThrowIfNull(principal);
        if (PrincipalKinds.FromWire(principal.GetClaim(PrincipalType)) is not { } type)
        {
            return null;
        }

        return new Caller(
            type,
            principal.GetClaim(Claims.Subject) ?? "",
            ParseGuid(principal.GetClaim(OrgId)),
            principal.GetClaim(Org),
            ParseGuid(principal.GetClaim(AppId)),
            principal.GetClaim(App),
            principal.GetClaim(Username));
    }

    /// <summary>Reads back the tenant a token belongs to.</summary>
    public static TokenScope ReadScope(ClaimsPrincipal principal)
    {
        ArgumentNullException.ThrowIfNull(principal);
        return new TokenScope(
            ParseGuid(principal.GetClaim(OrgId)),
            ParseGuid(principal.GetClaim(AppId)),
            principal.GetClaim(Claims.Subject));
    }

    private static Guid? ParseGuid(string? value) => Guid.TryParse(value, out var id) ? id : null;

    /// <summary>The exact expiry (Unix milliseconds) in an access token's payload: no secret, no tenant name.</summary>
    public const string ExpiresAtClaim = "ts_exp_ms";

    /// <summary>The exact expiry (Unix milliseconds) a token's principal carries, if any.</summary>
    public static long? ExactExpiry(System.Security.Claims.ClaimsPrincipal principal)
    {
        ArgumentNullException.ThrowIfNull(principal);
        return principal.GetClaim(ExpiresAtClaim) is { } value &&
               long.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var expiresAt)
            ? expiresAt
            : null;
    }

    /// <summary>Whether the exact lifetime of the token <paramref name="principal"/> was read from has ended at <paramref name="now"/>.</summary>
    public static bool HasEnded(System.Security.Claims.ClaimsPrincipal principal, DateTimeOffset now)
    {
        return ExactExpiry(principal) is { } expiresAt && now.ToUnixTimeMilliseconds() >= expiresAt;
    }
}
