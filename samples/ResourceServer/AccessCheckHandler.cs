using System.Globalization;
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
/// not 401: the caller's credentials were never judged, and a client that hears 401 throws them away. A credential
/// locked after too many failures is answered 429, for the same reason.
/// </summary>
public sealed class AccessCheckHandler(
    IOptionsMonitor<AccessCheckOptions> options, ILoggerFactory logger, UrlEncoder encoder, IHttpClientFactory clients)
    : AuthenticationHandler<AccessCheckOptions>(options, logger, encoder)
{
    public const string SchemeName = "TokenServiceAccessCheck";
    public const string ClientName = "TokenService";

    /// <summary>The access check's reason for a credential locked after too many failures (TokenService's brute-force error).</summary>
    private const string LockedReason = "temporarily_unavailable";

    /// <summary>Set when the credentials were not judged (or are locked): the challenge then answers this, not 401.</summary>
    private LaterAnswer? _later;

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
        catch (OperationCanceledException) when (Context.RequestAborted.IsCancellationRequested)
        {
            return AuthenticateResult.NoResult(); // the caller hung up: nobody to answer
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
        {
            return NotJudged(exception is TaskCanceledException ? "no answer in time" : "TokenService is unreachable", exception);
        }

        using (response)
        {
            if (response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.NotFound)
            {
                // Malformed credentials or no such app: the request's own fault.
                return AuthenticateResult.Fail($"The access check answered {(int)response.StatusCode}.");
            }

            if (response.StatusCode != HttpStatusCode.OK)
            {
                // Down (5xx), busy (429), refusing this server's own credential (401/403: a setting to fix), or anything
                // else: in no case a judgement of the caller's credentials.
                return NotJudged($"the access check answered {(int)response.StatusCode}", null, response.Headers.RetryAfter?.Delta);
            }

            AccessCheckAnswer? answer;
            try
            {
                answer = await response.Content.ReadFromJsonAsync<AccessCheckAnswer>(Context.RequestAborted);
            }
            catch (OperationCanceledException) when (Context.RequestAborted.IsCancellationRequested)
            {
                return AuthenticateResult.NoResult();
            }
            catch (Exception exception) when (exception is JsonException or InvalidOperationException)
            {
                // Not JSON, or in a charset it cannot be read in.
                return NotJudged("the access check's answer was not JSON", exception);
            }

            return answer switch
            {
                null => NotJudged("the access check's answer was empty", null),
                // The caller's credential is locked after too many failures: it is right to keep, but not usable now.
                { Allowed: false, Reason: LockedReason } => AnswerLater(StatusCodes.Status429TooManyRequests, TimeSpan.FromSeconds(60),
                    "too many failed attempts with this credential"),
                _ => Judged(answer, org, app),
            };
        }
    }

    /// <summary>
    /// When the credentials were not judged (or are locked for now), a 503 (or 429) with Retry-After instead of the 401
    /// challenge, which would tell the client to throw them away.
    /// </summary>
    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (_later is not { } later)
        {
            return base.HandleChallengeAsync(properties);
        }

        Response.StatusCode = later.Status;
        Response.Headers.RetryAfter = ((long)later.RetryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        return Task.CompletedTask;
    }

    private AuthenticateResult NotJudged(string reason, Exception? exception, TimeSpan? retryAfter = null)
    {
        LogUnavailable(Logger, reason, exception);
        return AnswerLater(StatusCodes.Status503ServiceUnavailable, retryAfter ?? TimeSpan.FromSeconds(5), "TokenService could not judge the credentials: " + reason);
    }

    private AuthenticateResult AnswerLater(int status, TimeSpan retryAfter, string reason)
    {
        _later = new LaterAnswer(status, retryAfter < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : retryAfter);
        return AuthenticateResult.Fail(reason);
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

    private sealed record LaterAnswer(int Status, TimeSpan RetryAfter);

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
