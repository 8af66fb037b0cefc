using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Primitives;
using TokenService.Api;
using TokenService.Principals;
using TokenService.Security;
using TokenService.Tokens;

namespace TokenService.Callers;

/// <summary>
/// The credential resolution seam: every credential form a request may carry becomes one <see cref="Caller"/>
/// or one typed failure. The management API and the access check call this; nothing else parses credentials.
/// </summary>
public sealed class CredentialResolver(
    TokenReader reader,
    ClientRegistry registry,
    ClientDirectory directory,
    Users.UserAccounts users,
    Security.FailedAttempts attempts,
    Audit.AuditLog audits)
{
    /// <summary>Resolves the credentials carried by an HTTP request.</summary>
    public async Task<CredentialResult> ResolveAsync(HttpRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var form = request.HasFormContentType ? await request.ReadFormAsync(cancellationToken) : null;
        return await ResolveAsync(new PresentedCredentials(
            request.Headers.Authorization,
            Merge(request.Query["access_token"], form?["access_token"]),
            Merge(request.Query["client_id"], form?["client_id"]),
            Merge(request.Query["client_secret"], form?["client_secret"]),
            request.HttpContext.Connection.RemoteIpAddress), cancellationToken);
    }

    /// <summary>Resolves credentials exactly as a request carried them.</summary>
    public async Task<CredentialResult> ResolveAsync(PresentedCredentials presented, CancellationToken cancellationToken = default)
    {
        var choice = Choose(presented);
        return choice.Form switch
        {
            CredentialForm.None => CredentialResult.Ok(Caller.Guest),
            CredentialForm.Token => await ValidateTokenAsync(choice.Token!, cancellationToken),
            CredentialForm.ClientSecret or CredentialForm.Basic =>
                await AuthenticateClientAsync(choice.ClientId!, choice.Secret!, choice.Form == CredentialForm.Basic, presented.Address, cancellationToken),
            _ => CredentialResult.Fail(choice.Refusal!),
        };
    }

    /// <summary>
    /// Which one credential a request presents, before anything is looked up: the rules of CONTRACT §3 in one place.
    /// A token in more than one place is refused (RFC 6750 §2), and so is any other mix of forms, since honouring one
    /// of them silently would make the request mean something its sender did not check.
    /// </summary>
    internal static CredentialChoice Choose(PresentedCredentials presented)
    {
        ArgumentNullException.ThrowIfNull(presented);
        if (presented.Authorization.Count > 1 || presented.AccessToken.Count > 1 ||
            presented.ClientId.Count > 1 || presented.ClientSecret.Count > 1)
        {
            return CredentialChoice.Refused(AuthFailure.BadRequest("A credential parameter was sent more than once."));
        }

        string? authorization = presented.Authorization;
        string? accessToken = presented.AccessToken;
        string? clientId = presented.ClientId;
        string? clientSecret = presented.ClientSecret;

        var forms = (string.IsNullOrEmpty(authorization) ? 0 : 1) + (accessToken is null ? 0 : 1) +
                    (clientId is null && clientSecret is null ? 0 : 1);
        if (forms > 1)
        {
            return CredentialChoice.Refused(AuthFailure.BadRequest("Credentials must be presented in exactly one way."));
        }

        if (forms == 0)
        {
            return new CredentialChoice(CredentialForm.None);
        }

        if (accessToken is not null)
        {
            return new CredentialChoice(CredentialForm.Token, Token: accessToken);
        }

        if (clientId is not null || clientSecret is not null)
        {
            return clientId is null || clientSecret is null
                ? CredentialChoice.Refused(AuthFailure.BadRequest("client_id and client_secret must be sent together."))
                : new CredentialChoice(CredentialForm.ClientSecret, ClientId: clientId, Secret: clientSecret);
        }

        if (!AuthenticationHeaderValue.TryParse(authorization, out var header) || string.IsNullOrEmpty(header.Parameter))
        {
            return CredentialChoice.Refused(AuthFailure.BadToken);
        }

        if (header.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase))
        {
            return new CredentialChoice(CredentialForm.Token, Token: header.Parameter);
        }

        if (header.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase))
        {
            return TryDecodeBasic(header.Parameter, out var id, out var secret)
                ? new CredentialChoice(CredentialForm.Basic, ClientId: id, Secret: secret)
                : CredentialChoice.Refused(AuthFailure.InvalidClient(basic: true));
        }

        return CredentialChoice.Refused(AuthFailure.BadToken);
    }

    private async Task<CredentialResult> ValidateTokenAsync(string token, CancellationToken cancellationToken)
    {
        var read = await reader.ReadAsync(token, cancellationToken);
        return read.State switch
        {
            TokenState.Malformed => CredentialResult.Fail(AuthFailure.BadToken),
            TokenState.Expired => CredentialResult.Fail(AuthFailure.Expired),
            TokenState.Active => read.Token!.Caller switch
            {
                null => CredentialResult.Fail(AuthFailure.InvalidToken),
                // A kind that reaches the organizations it is a member of carries them, read now (a removal counts at once).
                var member when PrincipalKinds.Of(member.Type).Manages == Reach.MemberOrgs && Guid.TryParse(member.Subject, out var id) =>
                    CredentialResult.Ok(member with { Memberships = await users.MembershipsAsync(id, cancellationToken) }),
                var caller => CredentialResult.Ok(caller),
            },
            _ => CredentialResult.Fail(AuthFailure.InvalidToken),
        };
    }

    private async Task<CredentialResult> AuthenticateClientAsync(
        string clientId, string secret, bool basic, System.Net.IPAddress? address, CancellationToken cancellationToken)
    {
        // The same counters as the OAuth endpoints: guesses spread over /token and the management API add up.
        var identity = BruteForce.ClientIdentity(clientId);
        if (attempts.RetryAfter(identity, address) is { } wait)
        {
            return CredentialResult.Fail(AuthFailure.TooManyAttempts(wait));
        }

        if (clientId.Length is 0 or > 200 || secret.Length is 0 or > 500 ||
            !await registry.VerifySecretAsync(clientId, secret, cancellationToken) ||
            await directory.FindAsync(clientId, cancellationToken) is not { } caller)
        {
            await FailedAuthentication.RecordAsync(attempts, audits, directory, identity, address, clientId,
                "client:" + clientId, "client authentication failed");
            return CredentialResult.Fail(AuthFailure.InvalidClient(basic));
        }

        await attempts.RecordSuccessAsync(identity, address, cancellationToken);
        return CredentialResult.Ok(caller);
    }

    /// <summary>RFC 6749 §2.3.1: id and secret are form-url-encoded before base64.</summary>
    internal static bool TryDecodeBasic(string parameter, out string id, out string secret)
    {
        (id, secret) = ("", "");
        try
        {
            var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(parameter));
            var colon = decoded.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                return false;
            }

            id = Uri.UnescapeDataString(decoded[..colon].Replace('+', ' '));
            secret = Uri.UnescapeDataString(decoded[(colon + 1)..].Replace('+', ' '));
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static StringValues Merge(StringValues query, StringValues? form) =>
        form is { Count: > 0 } values ? StringValues.Concat(query, values) : query;
}

/// <summary>The credential forms of CONTRACT §3.</summary>
internal enum CredentialForm
{
    /// <summary>No credentials: a guest.</summary>
    None,

    /// <summary>An access token, from <c>Authorization: Bearer</c> or <c>access_token</c>.</summary>
    Token,

    /// <summary><c>client_id</c> and <c>client_secret</c> parameters.</summary>
    ClientSecret,

    /// <summary>HTTP Basic with a client id and secret (or the superuser).</summary>
    Basic,

    /// <summary>Refused before any lookup.</summary>
    Refused,
}

/// <summary>The one credential a request presents, or why it is refused before any lookup.</summary>
internal sealed record CredentialChoice(
    CredentialForm Form, string? Token = null, string? ClientId = null, string? Secret = null, AuthFailure? Refusal = null)
{
    public static CredentialChoice Refused(AuthFailure failure) => new(CredentialForm.Refused, Refusal: failure);
}

/// <summary>Credentials as a request carried them (each may be absent or repeated).</summary>
public sealed record PresentedCredentials(
    StringValues Authorization, StringValues AccessToken, StringValues ClientId, StringValues ClientSecret,
    System.Net.IPAddress? Address = null);

/// <summary>Either a caller or the reason none could be resolved.</summary>
public sealed record CredentialResult(Caller? Caller, AuthFailure? Failure)
{
    public static CredentialResult Ok(Caller caller) => new(caller, null);

    public static CredentialResult Fail(AuthFailure failure) => new(null, failure);
}

/// <summary>A credential failure, with the Usergrid error code existing SDKs react to.</summary>
public sealed record AuthFailure(int Status, string Error, string Description, string? WwwAuthenticate, TimeSpan? RetryAfter = null)
{
    /// <summary>The failure as the answer of a non-protocol endpoint: its status, headers and <see cref="ApiError"/> body.</summary>
    public IResult ToResult() => ApiErrors.With(Status, new ApiError(Error, Description), WwwAuthenticate, RetryAfter);

    /// <summary>Too many failed attempts for this identity from this address: 429 with <c>Retry-After</c>.</summary>
    public static AuthFailure TooManyAttempts(TimeSpan wait)
    {
        var seconds = BruteForce.WholeSeconds(wait);
        return new(429, BruteForce.Error, BruteForce.Refusal(seconds), null, TimeSpan.FromSeconds(seconds));
    }

    /// <summary>An authenticated credential past its request budget: 429 with <c>Retry-After</c>.</summary>
    public static AuthFailure OverBudget(int perSecond) =>
        new(429, BruteForce.Error, Security.RequestBudgets.CredentialRefusal(perSecond), null, TimeSpan.FromSeconds(1));

    private const string BearerInvalidToken = "Bearer realm=\"TokenService\", error=\"invalid_token\"";

    public static AuthFailure Expired { get; } =
        new(401, "expired_token", "The access token has expired.", BearerInvalidToken);

    public static AuthFailure InvalidToken { get; } =
        new(401, "auth_invalid", "The access token is unknown or has been revoked.", BearerInvalidToken);

    public static AuthFailure BadToken { get; } =
        new(401, "auth_bad_access_token", "The access token is malformed.", BearerInvalidToken);

    public static AuthFailure InvalidClient(bool basic) =>
        new(401, "invalid_client", "The client credentials are invalid.",
            basic ? "Basic realm=\"TokenService\"" : BearerInvalidToken);

    public static AuthFailure BadRequest(string description) =>
        new(400, "invalid_request", description, "Bearer realm=\"TokenService\", error=\"invalid_request\"");
}
