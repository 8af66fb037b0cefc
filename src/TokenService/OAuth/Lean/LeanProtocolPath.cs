using System.Buffers;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using OpenIddict.Abstractions;
using TokenService.Callers;
using TokenService.Database;
using TokenService.Principals;
using TokenService.Security;
using TokenService.Tokens;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace TokenService.OAuth.Lean;

/// <summary>
/// The lean path: answers the hot, well-formed protocol requests — <c>POST /token</c> with
/// <c>grant_type=client_credentials</c>, and <c>POST /introspect</c> — in front of OpenIddict's pipeline, from memory
/// where it can. It answers only what it fully recognises as a success (an issued token; an introspection answer):
/// anything else — every error, a secret not yet verified on this instance, a locked caller, a credential past its
/// budget, any parameter it does not know, another grant, a Usergrid path — is handed on untouched to OpenIddict, which
/// stays the owner of the protocol and of every error answer. It applies the same rules through the same seams as
/// OpenIddict's path (brute-force counters, request budgets, the directory, the TTL policy, the token reader, the
/// powers), writes the same row and audit event through the same group commit, and answers only once they are
/// committed. <c>LeanPath:Enabled=false</c> turns it off; <c>LeanPathTests</c> runs one corpus through both paths.
/// </summary>
public sealed class LeanProtocolPath(
    RequestDelegate next,
    IOptions<Options.LeanPathOptions> options,
    AccessTokenMint mint,
    ClientFactsCache clients,
    FreshCache<Caller> directory,
    FreshCache<TtlSetting> ttls,
    ValidatedTokenCache validated,
    VerifiedSecretCache secrets,
    FailedAttempts attempts,
    RequestBudgets budgets,
    TokenInsertBatcher writer,
    TimeProvider clock,
    IOptions<Options.TokenLifetimeOptions> lifetimes,
    LeanPathCounters counters,
    Telemetry.ServiceMetrics metrics)
{
    private static readonly JsonWriterOptions ResponseWriting = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static readonly HashSet<string> TokenParameters = new(StringComparer.Ordinal)
        { Parameters.GrantType, Parameters.ClientId, Parameters.ClientSecret, "ttl" };
    private static readonly HashSet<string> IntrospectionParameters = new(StringComparer.Ordinal)
        { Parameters.Token, Parameters.TokenTypeHint, Parameters.ClientId, Parameters.ClientSecret };

    private readonly bool _enabled = options.Value.Enabled;

    public async Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var request = context.Request;
        var handled = false;
        if (_enabled && HttpMethods.IsPost(request.Method) && !request.QueryString.HasValue && IsPlainForm(request.ContentType))
        {
            if (request.Path.Equals(ProtocolPaths.Token, StringComparison.Ordinal))
            {
                handled = await TryIssueAsync(context);
            }
            else if (request.Path.Equals(ProtocolPaths.Introspection, StringComparison.Ordinal))
            {
                handled = await TryIntrospectAsync(context);
            }
        }

        if (!handled)
        {
            await next(context);
        }
    }

    private async Task<bool> TryIssueAsync(HttpContext context)
    {
        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        if (!mint.CanMint || !TryReadParameters(form, TokenParameters) || form[Parameters.GrantType] != GrantTypes.ClientCredentials ||
            !TryReadClient(context.Request, form, out var clientId, out var secret))
        {
            return false;
        }

        var address = context.Connection.RemoteIpAddress;
        var identity = Security.BruteForce.ClientIdentity(clientId);
        if (attempts.RetryAfter(identity, address) is not null ||
            await AuthenticateAsync(context, clientId, secret, Permissions.Endpoints.Token) is not { } client ||
            !client.Permissions.Contains(Permissions.GrantTypes.ClientCredentials) ||
            await FindCallerAsync(context, clientId) is not { } caller || !PrincipalKinds.Of(caller.Type).ObtainsOwnTokens)
        {
            return false;
        }

        var decision = TtlPolicy.SettingOwner(caller) is { } owner && ttls.TryGet(owner, out var setting, countMiss: false)
            ? TtlPolicy.Decide(setting!.Ttl ?? lifetimes.Value.DefaultTtl, form["ttl"])
            : await context.RequestServices.GetRequiredService<TtlPolicy>().DecideAsync(caller, form["ttl"], context.RequestAborted);
        if (decision.Error is not null || mint.IssuerFor(context.Request) is not { } issuer ||
            !budgets.TryTakeForCredentialOrLeave(context, clientId))
        {
            return false;
        }

        var token = mint.Mint(caller, clientId, client.RowId, decision.Lifetime, issuer);

        // Answered only once the row and its audit event are committed, as on OpenIddict's path (same writer).
        var audit = Audit.AuditLog.TokenIssued(clock.GetUtcNow().ToUnixTimeMilliseconds(), caller.OrgId, token.Row, clientId, address?.ToString());
        await writer.InsertAsync(token.Row, client.RowId, audit, client.SecretHash);
        await attempts.RecordSuccessAsync(identity, address, CancellationToken.None);
        counters.TokenIssued();
        metrics.TokenIssued(GrantTypes.ClientCredentials, PrincipalKinds.Of(caller.Type).WireName);

        var response = context.Response;
        response.Headers.CacheControl = "no-store";
        response.Headers.Pragma = "no-cache";
        response.Headers.Expires = "Thu, 01 Jan 1970 00:00:00 GMT";
        await WriteJsonAsync(response, json =>
        {
            json.WriteString(Parameters.AccessToken, token.Reference);
            json.WriteString(Parameters.TokenType, TokenTypes.Bearer);
            if (token.ExpiresIn is { } expiresIn)
            {
                json.WriteNumber(Parameters.ExpiresIn, expiresIn);
            }
        });
        return true;
    }

    private async Task<bool> TryIntrospectAsync(HttpContext context)
    {
        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        if (!TryReadParameters(form, IntrospectionParameters) ||
            form[Parameters.TokenTypeHint] is { Count: 1 } hint && hint != TokenTypeHints.AccessToken ||
            form[Parameters.Token] is not { Count: 1 } presented ||
            !TryReadClient(context.Request, form, out var clientId, out var secret))
        {
            return false;
        }

        if (attempts.RetryAfter(Security.BruteForce.ClientIdentity(clientId), context.Connection.RemoteIpAddress) is not null ||
            await AuthenticateAsync(context, clientId, secret, Permissions.Endpoints.Introspection) is null ||
            await FindCallerAsync(context, clientId) is not { } caller ||
            !budgets.TryTakeForCredentialOrLeave(context, clientId))
        {
            return false;
        }

        var token = presented.ToString();
        var read = TokenReader.TryReadFromMemory(validated, clock, token, out var remembered, countMiss: false)
            ? remembered
            : await context.RequestServices.GetRequiredService<TokenReader>().ReadAsync(token, context.RequestAborted);
        if (read.State == TokenState.NotAnAccessToken)
        {
            return false;
        }

        if (read is { State: TokenState.Active, Token: { } active } &&
            Powers.CanSeeToken(clientId, caller, active.Presenters, active.Scope))
        {
            if (IntrospectionFields.Of(active) is not { } fields)
            {
                return false;
            }

            if (mint.IssuerFor(context.Request) is not { } issuer)
            {
                return false;
            }

            await WriteJsonAsync(context.Response, json => fields.Write(json, issuer));
            counters.Introspected();
            metrics.Introspected(active: true);
            return true;
        }

        // Unknown, revoked, expired, malformed or out of the caller's reach: the same answer for each (RFC 7662 §2.2).
        await WriteJsonAsync(context.Response, static json => json.WriteBoolean(Claims.Active, false));
        counters.Introspected();
        metrics.Introspected(active: false);
        return true;
    }

    /// <summary>A client whose secret this instance has verified before, allowed at <paramref name="endpoint"/>.</summary>
    private async ValueTask<ClientFacts?> AuthenticateAsync(HttpContext context, string clientId, string secret, string endpoint)
    {
        if (clientId.Length > 200 || secret.Length > 500 ||
            await clients.FindAsync(clientId, context.RequestAborted) is not { Confidential: true, SecretHash: { } hash } client ||
            !client.Permissions.Contains(endpoint))
        {
            return null;
        }

        // Only a secret already verified against this very hash is accepted here: a first use, a wrong secret and a
        // rotated one all go to OpenIddict, which runs PBKDF2 and answers.
        return secrets.IsVerified(hash, secret) ? client : null;
    }

    private ValueTask<Caller?> FindCallerAsync(HttpContext context, string clientId) =>
        directory.TryGet(clientId, out var caller, countMiss: false)
            ? ValueTask.FromResult(caller)
            : new ValueTask<Caller?>(context.RequestServices.GetRequiredService<ClientDirectory>().FindAsync(clientId, context.RequestAborted));

    private static bool IsPlainForm(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var media) &&
        string.Equals(media.MediaType, "application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase) &&
        (media.CharSet is null || string.Equals(media.CharSet, "utf-8", StringComparison.OrdinalIgnoreCase)) &&
        media.Parameters.Count == (media.CharSet is null ? 0 : 1);

    /// <summary>Only known parameters, each sent once and not empty.</summary>
    private static bool TryReadParameters(IFormCollection form, HashSet<string> known)
    {
        foreach (var (name, values) in form)
        {
            if (!known.Contains(name) || values.Count != 1 || string.IsNullOrEmpty(values[0]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// The client's id and secret from exactly one place: HTTP Basic, or the body. Basic values are taken only when
    /// they hold no character that form-url-decoding (RFC 6749 §2.3.1) would change, so both paths read the same values.
    /// </summary>
    private static bool TryReadClient(HttpRequest request, IFormCollection form, out string clientId, out string secret)
    {
        (clientId, secret) = ("", "");
        var authorization = request.Headers.Authorization;
        if (StringValues.IsNullOrEmpty(authorization))
        {
            if (form[Parameters.ClientId] is not { Count: 1 } id || form[Parameters.ClientSecret] is not { Count: 1 } key)
            {
                return false;
            }

            (clientId, secret) = (id.ToString(), key.ToString());
            return true;
        }

        if (authorization.Count != 1 || form.ContainsKey(Parameters.ClientId) || form.ContainsKey(Parameters.ClientSecret) ||
            authorization[0] is not { } header || !header.StartsWith("Basic ", StringComparison.Ordinal))
        {
            return false;
        }

        var encoded = header.AsSpan(6);
        Span<byte> decoded = stackalloc byte[512];
        if (!Convert.TryFromBase64Chars(encoded, decoded, out var length))
        {
            return false;
        }

        var text = Encoding.ASCII.GetString(decoded[..length]);
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || colon == text.Length - 1 || !IsUnreserved(text.AsSpan(0, colon)) || !IsUnreserved(text.AsSpan(colon + 1)))
        {
            return false;
        }

        (clientId, secret) = (text[..colon], text[(colon + 1)..]);
        return true;
    }

    private static bool IsUnreserved(ReadOnlySpan<char> value)
    {
        foreach (var c in value)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not '-' and not '_' and not '.' and not '~')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>JSON as OpenIddict writes it: indented, relaxed escaping, <c>application/json;charset=UTF-8</c>.</summary>
    private static async Task WriteJsonAsync(HttpResponse response, Action<Utf8JsonWriter> write)
    {
        var body = new ArrayBufferWriter<byte>(512);
        using (var json = new Utf8JsonWriter(body, ResponseWriting))
        {
            json.WriteStartObject();
            write(json);
            json.WriteEndObject();
        }

        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json;charset=UTF-8";
        response.ContentLength = body.WrittenCount;
        await response.Body.WriteAsync(body.WrittenMemory);
    }
}

/// <summary>
/// The caller-independent fields of an active introspection answer, in the order OpenIddict writes them (RFC 7662 §2.2
/// plus the service's own claims), made once per cached token.
/// </summary>
internal sealed record IntrospectionFields(
    string? Subject, string? TokenId, string? ClientId, long? IssuedAt, long? ExpiresAt, IReadOnlyList<(string Name, string Value)> Extra)
{
    private static readonly string[] ServiceClaims = [TokenClaims.PrincipalType, TokenClaims.Org, TokenClaims.App, TokenClaims.Username];

    /// <summary>The fields of <paramref name="token"/>, or <c>null</c> when it carries something the lean path does not write (audiences).</summary>
    public static IntrospectionFields? Of(ValidatedToken token)
    {
        if (token.Introspection is IntrospectionFields known)
        {
            return known;
        }

        var principal = token.Principal;
        if (principal.GetAudiences().Any())
        {
            return null;
        }

        // No scope: OpenIddict reports scopes only to a caller among the token's audiences, and ours have none.
        var fields = new IntrospectionFields(
            principal.GetClaim(Claims.Subject),
            principal.GetClaim(Claims.JwtId),
            principal.GetClaim(Claims.ClientId) ?? principal.GetPresenters().FirstOrDefault(),
            principal.GetCreationDate()?.ToUnixTimeSeconds(),
            principal.GetExpirationDate()?.ToUnixTimeSeconds(),
            [.. ServiceClaims.Select(name => (name, principal.GetClaim(name))).Where(c => c.Item2 is not null).Select(c => (c.name, c.Item2!))]);
        token.Introspection = fields;
        return fields;
    }

    public void Write(Utf8JsonWriter json, string issuer)
    {
        json.WriteBoolean(Claims.Active, true);
        json.WriteString(Claims.Issuer, issuer);
        WriteIfPresent(json, Claims.Subject, Subject);
        WriteIfPresent(json, Claims.JwtId, TokenId);
        json.WriteString(Claims.TokenType, TokenTypes.Bearer);
        json.WriteString(Claims.TokenUsage, TokenTypeHints.AccessToken);
        WriteIfPresent(json, Claims.ClientId, ClientId);
        if (IssuedAt is { } iat)
        {
            json.WriteNumber(Claims.IssuedAt, iat);
            json.WriteNumber(Claims.NotBefore, iat);
        }

        if (ExpiresAt is { } exp)
        {
            json.WriteNumber(Claims.ExpiresAt, exp);
        }

        foreach (var (name, value) in Extra)
        {
            json.WriteString(name, value);
        }
    }

    private static void WriteIfPresent(Utf8JsonWriter json, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            json.WriteString(name, value);
        }
    }
}

/// <summary>How many requests the lean path answered itself (the rest went to OpenIddict).</summary>
public sealed class LeanPathCounters
{
    private long _tokens;
    private long _introspections;

    public long Tokens => Interlocked.Read(ref _tokens);

    public long Introspections => Interlocked.Read(ref _introspections);

    internal void TokenIssued() => Interlocked.Increment(ref _tokens);

    internal void Introspected() => Interlocked.Increment(ref _introspections);
}

/// <summary>Registers and places the lean path.</summary>
public static class LeanPathExtensions
{
    public static IServiceCollection AddLeanProtocolPath(this IServiceCollection services)
    {
        services.AddSingleton<AccessTokenMint>();
        services.AddSingleton<LeanPathCounters>();
        return services;
    }

    /// <summary>
    /// Before OpenIddict's authentication middleware, and before anything rewrites other paths onto <c>/token</c> (the
    /// Usergrid paths): only requests made to the standard paths themselves are answered here.
    /// </summary>
    public static IApplicationBuilder UseLeanProtocolPath(this IApplicationBuilder app) => app.UseMiddleware<LeanProtocolPath>();
}
