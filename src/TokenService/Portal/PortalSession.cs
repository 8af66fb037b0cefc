using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using TokenService.Callers;
using TokenService.Options;
using TokenService.Principals;

namespace TokenService.Portal;

/// <summary>
/// The portal's session: an HttpOnly, SameSite=Strict cookie sealed by ASP.NET Core Data Protection. For an admin
/// user it holds the access token the service's own password grant issued, which only the server reads: every page
/// resolves it through the same credential resolution as the API, so a token that expired or was revoked
/// (<c>revoketokens</c>, deactivation, deletion) ends the session at once. The superuser has no tokens (it is not a
/// principal tokens are issued to); its session holds a fingerprint of the configured password instead, so changing
/// the password ends every superuser session, and lasts <see cref="SuperuserSessionLifetime"/>.
/// </summary>
public sealed class PortalSession(IOptions<SuperuserOptions> superuser, TimeProvider clock)
{
    /// <summary>The authentication scheme of the portal's cookie.</summary>
    public const string Scheme = "Portal";

    /// <summary>How long a superuser session lasts (it has no token whose expiry could bound it).</summary>
    public static readonly TimeSpan SuperuserSessionLifetime = TimeSpan.FromHours(8);

    private const string KindClaim = "kind";
    private const string FingerprintClaim = "fingerprint";
    private const string AccessToken = "access_token";

    private readonly Lazy<string> _fingerprint = new(() => Fingerprint(superuser.Value));

    /// <summary>Starts an admin user's session around the access token the password grant issued.</summary>
    public Task SignInAdminAsync(HttpContext http, string accessToken, long? expiresInSeconds)
    {
        ArgumentNullException.ThrowIfNull(http);
        var properties = new AuthenticationProperties
        {
            // No expiry on the token (a zero TTL) still gives the cookie one: the session is re-checked on every page anyway.
            ExpiresUtc = clock.GetUtcNow().AddSeconds(expiresInSeconds ?? (long)SuperuserSessionLifetime.TotalSeconds),
            AllowRefresh = false,
        };
        properties.StoreTokens([new AuthenticationToken { Name = AccessToken, Value = accessToken }]);
        ForgetOnceShown(http);
        return http.SignInAsync(Scheme, Principal("admin", null), properties);
    }

    /// <summary>Starts the superuser's session.</summary>
    public Task SignInSuperuserAsync(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        ForgetOnceShown(http);
        return http.SignInAsync(Scheme, Principal("superuser", _fingerprint.Value),
            new AuthenticationProperties { ExpiresUtc = clock.GetUtcNow().Add(SuperuserSessionLifetime), AllowRefresh = false });
    }

    /// <summary>
    /// The caller of this request from its session (with the credential's request budget charged, as for the API),
    /// or the reason there is none: no session, or one that has ended.
    /// </summary>
    public async Task<CredentialResult?> ResolveAsync(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        var session = await http.AuthenticateAsync(Scheme);
        if (!session.Succeeded)
        {
            return null;
        }

        var kind = session.Principal.FindFirstValue(KindClaim);
        if (kind == "superuser")
        {
            var fingerprint = session.Principal.FindFirstValue(FingerprintClaim) ?? "";
            if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(fingerprint), Encoding.ASCII.GetBytes(_fingerprint.Value)))
            {
                return CredentialResult.Fail(AuthFailure.InvalidToken);
            }

            var name = superuser.Value.Username;
            return await CallerExtensions.ResolveOnceAsync(http, (resolver, _, _) =>
                Task.FromResult(CredentialResult.Ok(new Caller(PrincipalType.Superuser, name))));
        }

        if (kind != "admin" || session.Properties?.GetTokenValue(AccessToken) is not { Length: > 0 } token)
        {
            return CredentialResult.Fail(AuthFailure.InvalidToken);
        }

        var result = await CallerExtensions.ResolveOnceAsync(http, (resolver, request, cancellation) =>
            resolver.ResolveAsync(new PresentedCredentials("Bearer " + token, default, default, default, request.HttpContext.Connection.RemoteIpAddress), cancellation));

        // Only an admin user's own token keeps a session (never a client's, whatever the cookie says).
        return result.Caller is { Type: not PrincipalType.AdminUser } ? CredentialResult.Fail(AuthFailure.InvalidToken) : result;
    }

    /// <summary>Ends the session: its cookie, and any once-shown secret still waiting in the browser.</summary>
    public static async Task EndAsync(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        await http.SignOutAsync(Scheme);
        ForgetOnceShown(http);
    }

    /// <summary>Deletes the one-read cookie of a once-shown secret (at sign-in and when a session ends).</summary>
    public static void ForgetOnceShown(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        var cookie = http.RequestServices.GetRequiredService<IOptions<Microsoft.AspNetCore.Mvc.CookieTempDataProviderOptions>>().Value.Cookie;
        if (cookie.Name is { } name && http.Request.Cookies.ContainsKey(name))
        {
            http.Response.Cookies.Delete(name, cookie.Build(http));
        }
    }

    /// <summary>The session's access token (admin users), for signing out.</summary>
    public static async Task<string?> AccessTokenOfAsync(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        var session = await http.AuthenticateAsync(Scheme);
        return session.Succeeded ? session.Properties?.GetTokenValue(AccessToken) : null;
    }

    private static ClaimsPrincipal Principal(string kind, string? fingerprint)
    {
        var identity = new ClaimsIdentity(Scheme);

        // A random id per session: antiforgery tokens are bound to it, so one session's token is worthless in another.
        identity.AddClaim(new Claim(ClaimTypes.NameIdentifier, Guid.NewGuid().ToString("N")));
        identity.AddClaim(new Claim(KindClaim, kind));
        if (fingerprint is not null)
        {
            identity.AddClaim(new Claim(FingerprintClaim, fingerprint));
        }

        return new ClaimsPrincipal(identity);
    }

    /// <summary>
    /// A slow, salted digest of the superuser's name and password: what the sealed cookie carries, so that neither a
    /// changed password nor a leaked key ring turns an old cookie into the password.
    /// </summary>
    private static string Fingerprint(SuperuserOptions options) =>
        Convert.ToBase64String(Rfc2898DeriveBytes.Pbkdf2(
            Encoding.UTF8.GetBytes(options.Password), Encoding.UTF8.GetBytes("tokenservice-portal:" + options.Username),
            100_000, HashAlgorithmName.SHA256, 32));
}
