using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.EntityFrameworkCore.Models;
using OpenIddict.Server;
using TokenService.Principals;
using TokenService.Tokens;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace TokenService.OAuth.Lean;

/// <summary>An access token made by <see cref="AccessTokenMint"/>: what the client gets and the row that stands for it.</summary>
public sealed record MintedToken(string Reference, OpenIddictEntityFrameworkCoreToken Row, long? ExpiresIn);

/// <summary>
/// Makes access tokens for the lean path exactly as OpenIddict makes them for a <c>client_credentials</c> grant: the
/// same opaque reference (256 random bits), the same row (digest of the reference, status, dates in whole seconds,
/// subject, type) and the same signed payload (header, claims in OpenIddict's order, ES256 over the server's signing
/// key), so no reader can tell which path issued a token. <c>LeanPathTests</c> compares the two claim by claim.
/// </summary>
public sealed class AccessTokenMint(IOptionsMonitor<OpenIddictServerOptions> server, TimeProvider clock) : IDisposable
{
    private static readonly JsonWriterOptions PayloadWriting = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private Signer? _signer;

    /// <summary>Whether the server signs with a key this mint can use (an ES256 key, as <see cref="ServerKeys"/> makes).</summary>
    public bool CanMint => CurrentSigner() is not null;

    /// <summary>
    /// The issuer OpenIddict names for a request: the configured one, else the request's own base address; <c>null</c>
    /// when the request names no usable host (OpenIddict refuses it, so the lean path hands it on).
    /// </summary>
    public string? IssuerFor(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (server.CurrentValue.Issuer is { } configured)
        {
            return configured.AbsoluteUri;
        }

        if (!request.Host.HasValue)
        {
            return null;
        }

        var address = request.Scheme + Uri.SchemeDelimiter + request.Host + request.PathBase;
        return Uri.TryCreate(address.EndsWith('/') ? address : address + "/", UriKind.Absolute, out var uri) ? uri.AbsoluteUri : null;
    }

    /// <summary>A new access token for <paramref name="caller"/>, obtained by the client whose row is <paramref name="applicationId"/>.</summary>
    public MintedToken Mint(Caller caller, string clientId, string applicationId, TimeSpan? lifetime, string issuer)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var signer = CurrentSigner() ?? throw new InvalidOperationException("The server's signing key cannot be used by the lean path.");
        var now = clock.GetUtcNow();
        var issuedAt = now.ToUnixTimeSeconds();
        long? exact = lifetime is { } span ? (now + span).ToUnixTimeMilliseconds() : null;
        long? expiresAt = exact is { } ms ? (long)Math.Ceiling(ms / 1000.0) : null;
        var rowId = TokenRowIds.New();

        var payload = new ArrayBufferWriter<byte>(512);
        using (var json = new Utf8JsonWriter(payload, PayloadWriting))
        {
            json.WriteStartObject();
            json.WriteString(Claims.Issuer, issuer);
            if (expiresAt is { } exp)
            {
                json.WriteNumber(Claims.ExpiresAt, exp);
            }

            json.WriteNumber(Claims.IssuedAt, issuedAt);
            json.WriteString(Claims.JwtId, Guid.NewGuid().ToString());
            json.WriteString(Claims.Subject, caller.Subject);
            json.WriteString(TokenClaims.PrincipalType, PrincipalKinds.Of(caller.Type).TokenWireName);
            WriteIfPresent(json, TokenClaims.Org, caller.Org);
            WriteIfPresent(json, TokenClaims.OrgId, caller.OrgId?.ToString());
            WriteIfPresent(json, TokenClaims.App, caller.App);
            WriteIfPresent(json, TokenClaims.AppId, caller.AppId?.ToString());
            WriteIfPresent(json, TokenClaims.Username, caller.Username);
            json.WriteString(Claims.Private.Presenter, clientId);
            json.WriteString(Claims.ClientId, clientId);
            if (exact is { } exactMs)
            {
                json.WriteString(TokenClaims.ExpiresAtClaim, exactMs.ToString(CultureInfo.InvariantCulture));
            }

            json.WriteString(Claims.Private.TokenId, rowId);
            json.WriteEndObject();
        }

        var reference = ReferenceTokens.Create();
        var row = new OpenIddictEntityFrameworkCoreToken
        {
            Id = rowId,
            ConcurrencyToken = Guid.NewGuid().ToString(),
            CreationDate = DateTimeOffset.FromUnixTimeSeconds(issuedAt).UtcDateTime,
            ExpirationDate = expiresAt is { } seconds ? DateTimeOffset.FromUnixTimeSeconds(seconds).UtcDateTime : null,
            Payload = signer.Sign(payload.WrittenSpan),
            ReferenceId = ReferenceTokens.Digest(reference),
            Status = Statuses.Valid,
            Subject = caller.Subject,
            Type = TokenTypeIdentifiers.AccessToken,
        };
        return new MintedToken(reference, row, lifetime is { } value ? (long)Math.Ceiling(value.TotalSeconds) : null);
    }

    private static void WriteIfPresent(Utf8JsonWriter json, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            json.WriteString(name, value);
        }
    }

    private Signer? CurrentSigner()
    {
        if (_signer is { } signer)
        {
            return signer;
        }

        // The credential OpenIddict signs access tokens with: the first one registered.
        var credentials = server.CurrentValue.SigningCredentials.FirstOrDefault();
        if (credentials is not { Key: ECDsaSecurityKey { ECDsa: { } ecdsa } key, Algorithm: SecurityAlgorithms.EcdsaSha256 })
        {
            return null;
        }

        var header = $$"""{"alg":"{{SecurityAlgorithms.EcdsaSha256}}","kid":"{{key.KeyId}}","typ":"{{JsonWebTokenTypes.AccessToken}}"}""";
        var made = new Signer(ecdsa, Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(header)));
        if (Interlocked.CompareExchange(ref _signer, made, null) is { } raced)
        {
            made.Dispose();
            return raced;
        }

        return made;
    }

    public void Dispose() => _signer?.Dispose();

    private sealed class Signer(ECDsa key, string encodedHeader) : IDisposable
    {
        // ECDsa instances are not documented as safe for concurrent use: each signature borrows a copy of the key from a
        // small pool (as many copies as signatures ever ran at once) and gives it back.
        private readonly ECParameters _parameters = key.ExportParameters(includePrivateParameters: true);
        private readonly System.Collections.Concurrent.ConcurrentBag<ECDsa> _keys = [];

        public string Sign(ReadOnlySpan<byte> payload)
        {
            var signingKey = _keys.TryTake(out var pooled) ? pooled : ECDsa.Create(_parameters);
            try
            {
                var signingInput = encodedHeader + "." + Base64UrlEncoder.Encode(payload.ToArray());
                var signature = signingKey.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256);
                return signingInput + "." + Base64UrlEncoder.Encode(signature);
            }
            finally
            {
                _keys.Add(signingKey);
            }
        }

        public void Dispose()
        {
            while (_keys.TryTake(out var copy))
            {
                copy.Dispose();
            }
        }
    }
}
