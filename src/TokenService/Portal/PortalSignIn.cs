using System.Text.Json;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using TokenService.Callers;
using TokenService.Options;
using TokenService.Principals;
using TokenService.Security;
using TokenService.Telemetry;

namespace TokenService.Portal;

/// <summary>
/// <c>POST /portal/signin</c>. An admin user signs in through the service's own password grant: the form becomes a
/// <c>grant_type=password</c> request on <c>/management/token</c>, answered by the same pipeline as any client's (the
/// brute-force counters, budgets, audit events and the management client that only signs admin users in), and only
/// its answer is read here. The superuser, who has no tokens, is checked by the same credential resolution as its
/// HTTP Basic credentials. A client's id and secret never sign in: the grant is the admin users' password grant, and
/// the superuser's check runs only for the superuser's own name. Must run before the token paths and OpenIddict.
/// </summary>
public static class PortalSignIn
{
    public const string Path = "/portal/signin";

    /// <summary>Why the sign-in page is shown again (its <c>error</c> query value).</summary>
    public static class Errors
    {
        public const string Invalid = "invalid";
        public const string Locked = "locked";
        public const string Unavailable = "unavailable";
        public const string Missing = "missing";
    }

    public static IApplicationBuilder UsePortalSignIn(this IApplicationBuilder app) => app.Use(HandleAsync);

    private static async Task HandleAsync(HttpContext http, Func<Task> next)
    {
        if (!HttpMethods.IsPost(http.Request.Method) || !http.Request.Path.Equals(Path, StringComparison.OrdinalIgnoreCase))
        {
            await next();
            return;
        }

        // The form is the portal's own: its antiforgery token is checked before anything else is read.
        var antiforgery = http.RequestServices.GetRequiredService<IAntiforgery>();
        if (!http.Request.HasFormContentType || !await antiforgery.IsRequestValidAsync(http))
        {
            http.Response.StatusCode = StatusCodes.Status400BadRequest;
            http.Response.ContentType = "text/plain; charset=utf-8";
            await http.Response.WriteAsync("The sign-in form has expired or did not come from this portal. Open /portal/signin again.");
            return;
        }

        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var (username, password) = (form["username"].ToString().Trim(), form["password"].ToString());
        if (username.Length == 0 || password.Length == 0)
        {
            Again(http, Errors.Missing);
            return;
        }

        var superuser = http.RequestServices.GetRequiredService<IOptions<SuperuserOptions>>().Value;
        var session = http.RequestServices.GetRequiredService<PortalSession>();
        if (string.Equals(username, superuser.Username, StringComparison.Ordinal))
        {
            var result = await http.RequestServices.GetRequiredService<CredentialResolver>().ResolveAsync(
                new PresentedCredentials(default, default, username, password, http.Connection.RemoteIpAddress), http.RequestAborted);
            if (result.Caller is { Type: PrincipalType.Superuser })
            {
                await session.SignInSuperuserAsync(http);
                Home(http);
                return;
            }

            Again(http, MarkIfLocked(http, result.Failure?.Status) ? Errors.Locked : Errors.Invalid, result.Failure?.RetryAfter);
            return;
        }

        var (status, answer, retryAfter) = await PasswordGrantAsync(http, next, username, password);
        http.Request.Path = Path; // the request log names what was asked, not the rewrite
        if (status == StatusCodes.Status200OK && answer.TryGetProperty("access_token", out var token) && token.GetString() is { Length: > 0 } accessToken)
        {
            long? expiresIn = answer.TryGetProperty("expires_in", out var seconds) && seconds.TryGetInt64(out var value) ? value : null;
            await session.SignInAdminAsync(http, accessToken, expiresIn);
            Home(http);
            return;
        }

        var locked = MarkIfLocked(http, status);
        Again(http, status switch
        {
            _ when locked => Errors.Locked,
            StatusCodes.Status400BadRequest or StatusCodes.Status401Unauthorized => Errors.Invalid,
            _ => Errors.Unavailable,
        }, retryAfter);
    }

    /// <summary>Whether the grant was refused for a lockout; if so, counted as a refusal, though the page answers 303.</summary>
    private static bool MarkIfLocked(HttpContext http, int? status)
    {
        if (status != StatusCodes.Status429TooManyRequests)
        {
            return false;
        }

        Refusals.Mark(http, MetricWords.BruteForce);
        return true;
    }

    /// <summary>Runs the form as a password grant on the Usergrid admin token path and reads the answer it produced.</summary>
    private static async Task<(int Status, JsonElement Answer, TimeSpan? RetryAfter)> PasswordGrantAsync(
        HttpContext http, Func<Task> next, string username, string password)
    {
        // The admin users' sign-in client, named here: whatever else the browser sent (an Authorization header with a
        // client's credentials, cookies) is not part of the grant.
        var parameters = new Dictionary<string, StringValues>(StringComparer.Ordinal)
        {
            ["grant_type"] = "password", ["username"] = username, ["password"] = password, ["client_id"] = ClientDirectory.ManagementClientId,
        };
        http.Request.Headers.Authorization = StringValues.Empty;
        http.Request.Headers.Cookie = StringValues.Empty;
        Compat.UsergridTokenPaths.ReplaceWithForm(http, "/management/token", parameters);

        // The session is one access token: no refresh token is issued to be left alive behind it.
        http.Features.Set(OAuth.AccessTokenOnly.Instance);

        var original = http.Response.Body;
        using var answer = new MemoryStream();
        http.Response.Body = answer;
        try
        {
            await next();
        }
        finally
        {
            http.Response.Body = original;
        }

        var status = http.Response.StatusCode;
        TimeSpan? retryAfter = int.TryParse(http.Response.Headers.RetryAfter, out var wait) ? TimeSpan.FromSeconds(wait) : null;

        // The grant's answer (with its tokens) is the server's, never the browser's.
        http.Response.Clear();
        try
        {
            answer.Position = 0;
            using var document = await JsonDocument.ParseAsync(answer, cancellationToken: http.RequestAborted);
            return (status, document.RootElement.Clone(), retryAfter);
        }
        catch (JsonException)
        {
            return (status, default, retryAfter);
        }
    }

    private static void Home(HttpContext http) => SeeOther(http, "/portal");

    private static void Again(HttpContext http, string error, TimeSpan? retryAfter = null) =>
        SeeOther(http, QueryHelpers.AddQueryString(Path, retryAfter is { } wait
            ? new Dictionary<string, string?> { ["error"] = error, ["retry"] = ((long)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture) }
            : new Dictionary<string, string?> { ["error"] = error }));

    private static void SeeOther(HttpContext http, string location)
    {
        http.Response.StatusCode = StatusCodes.Status303SeeOther;
        http.Response.Headers.Location = location;
        http.Response.Headers.CacheControl = "no-store";
    }
}
