using System.Net;
using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace ResourceServer;

/// <summary>The resource-server credential the access check is asked with.</summary>
public sealed class AccessCheckOptions : AuthenticationSchemeOptions
{
    public string ClientId { get; set; } = "";

    public string ClientSecret { get; set; } = "";
}

/// <summary>
/// Authenticates a request to <c>/{org}/{app}/…</c> with one call to TokenService's <c>POST /access/check</c>: the
/// credentials exactly as they came (header, <c>access_token</c>, <c>client_id</c>/<c>client_secret</c>, or none), and
/// TokenService applies its own rules — the app's <c>secured</c> flag, guests, app clients acting as the app. When
/// TokenService cannot say (down, slow, busy, or refusing this server's own credential), the request is answered 503,
/// not 401: the caller's credentials were never judged, and a client that hears 401 throws them away.
/// </summary>
public sealed class AccessCheckHandler(
    IOptionsMonitor<AccessCheckOptions> options, ILoggerFactory logger, UrlEncoder encoder, IHttpClientFactory clients)
    : AuthenticationHandler<AccessCheckOptions>(options, logger, encoder)
{
    public const string SchemeName = "TokenServiceAccessCheck";
    public const string ClientName = "TokenService";

    private static readonly object Unavailable = new();

    private static readonly Action<ILogger, string, Exception?> LogUnavailable = LoggerMessage.Define<string>(
        LogLevel.Warning, new EventId(1, "AccessCheckUnavailable"), "The access check could not be asked: {Reason}");

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (Request.RouteValues["org"] is not string org || Request.RouteValues["app"] is not string app)
        {
            return AuthenticateResult.NoResult();
        }

        using var check = new HttpRequestMessage(HttpMethod.Post, "access/check")
        {
            Content = JsonContent.Create(new AccessCheckRequest(
                org, app, NullIfEmpty(Request.Headers.Authorization), NullIfEmpty(Request.Query["access_token"]),
                NullIfEmpty(Request.Query["client_id"]), NullIfEmpty(Request.Query["client_secret"]))),
        };
        check.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(
            $"{Uri.EscapeDataString(Options.ClientId)}:{Uri.EscapeDataString(Options.ClientSecret)}")));
        HttpResponseMessage response;
        try
        {
            response = await clients.CreateClient(ClientName).SendAsync(check, Context.RequestAborted);
        }
        catch (Exception exception) when (exception is HttpRequestException ||
                                          (exception is TaskCanceledException && !Context.RequestAborted.IsCancellationRequested))
        {
            return NotJudged(exception is TaskCanceledException ? "no answer in time" : exception.Message);
        }

        using (response)
        {
            // 5xx or 429: TokenService is down or busy. 401/403: it refuses this server's credential (a setting to fix).
            if ((int)response.StatusCode >= 500 || response.StatusCode is HttpStatusCode.TooManyRequests or
                HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            {
                return NotJudged($"the access check answered {(int)response.StatusCode}");
            }

            if (!response.IsSuccessStatusCode)
            {
                // 400 (malformed credentials) or 404 (no such app): the request's own fault.
                return AuthenticateResult.Fail($"The access check answered {(int)response.StatusCode}.");
            }

            try
            {
                return Judged(await response.Content.ReadFromJsonAsync<AccessCheckAnswer>(Context.RequestAborted), org, app);
            }
            catch (JsonException)
            {
                return NotJudged("the access check's answer was not JSON");
            }
        }
    }

    /// <summary>A 503 with Retry-After instead of the 401 challenge when the credentials were never judged.</summary>
    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (!Context.Items.ContainsKey(Unavailable))
        {
            return base.HandleChallengeAsync(properties);
        }

        Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        Response.Headers.RetryAfter = "5";
        return Task.CompletedTask;
    }

    private AuthenticateResult NotJudged(string reason)
    {
        LogUnavailable(Logger, reason, null);
        Context.Items[Unavailable] = true;
        return AuthenticateResult.Fail("TokenService could not judge the credentials: " + reason);
    }

    private static AuthenticateResult Judged(AccessCheckAnswer? answer, string org, string app)
    {
        if (answer is not { Allowed: true })
        {
            return AuthenticateResult.Fail(answer?.Reason ?? "not allowed");
        }

        var identity = new ClaimsIdentity(SchemeName);
        identity.AddClaim(new Claim("principal_type", answer.PrincipalType ?? ""));
        identity.AddClaim(new Claim("org", org));
        identity.AddClaim(new Claim("app", app));
        if (answer.Username is { } username)
        {
            identity.AddClaim(new Claim("username", username));
        }

        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    private static string? NullIfEmpty(Microsoft.Extensions.Primitives.StringValues value) => value.Count == 0 ? null : value.ToString();

    private sealed record AccessCheckRequest(
        [property: JsonPropertyName("org")] string Org,
        [property: JsonPropertyName("app")] string App,
        [property: JsonPropertyName("authorization")] string? Authorization,
        [property: JsonPropertyName("access_token")] string? AccessToken,
        [property: JsonPropertyName("client_id")] string? ClientId,
        [property: JsonPropertyName("client_secret")] string? ClientSecret);

    private sealed record AccessCheckAnswer(
        [property: JsonPropertyName("allowed")] bool Allowed,
        [property: JsonPropertyName("principal_type")] string? PrincipalType,
        [property: JsonPropertyName("username")] string? Username,
        [property: JsonPropertyName("reason")] string? Reason);
}
