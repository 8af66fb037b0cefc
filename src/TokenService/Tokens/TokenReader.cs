using System.Security.Claims;
using OpenIddict.Abstractions;
using OpenIddict.Validation;
using TokenService.Principals;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace TokenService.Tokens;

/// <summary>What a presented token turned out to be.</summary>
public enum TokenState
{
    /// <summary>An access token of ours, valid now.</summary>
    Active,

    /// <summary>Not of the shape of our reference tokens: refused without a database read.</summary>
    Malformed,

    /// <summary>Unknown, revoked, or otherwise not valid.</summary>
    Unknown,

    /// <summary>A valid access token whose lifetime has ended.</summary>
    Expired,

    /// <summary>One of our tokens, but not an access token (a refresh token): left to OpenIddict.</summary>
    NotAnAccessToken,
}

/// <summary>The outcome of reading a token: its state and, when active, what it says.</summary>
public readonly record struct TokenRead(TokenState State, ValidatedToken? Token);

/// <summary>An access token that passed every check when its row was read, as remembered by <see cref="ValidatedTokenCache"/>.</summary>
public sealed class ValidatedToken
{
    private readonly ClaimsPrincipal _principal;

    public ValidatedToken(ClaimsPrincipal principal)
    {
        ArgumentNullException.ThrowIfNull(principal);
        _principal = principal.Clone(static _ => true);
        Caller = TokenClaims.ReadCaller(_principal);
        Scope = TokenClaims.ReadScope(_principal);
        ExpiresAt = _principal.GetExpirationDate();
        ExactExpiry = TokenClaims.ExactExpiry(_principal);
        Presenters = [.. _principal.GetPresenters()];
    }

    /// <summary>Who the token was issued to (<c>null</c> when it names no principal type of ours).</summary>
    public Caller? Caller { get; }

    /// <summary>The tenant the token belongs to.</summary>
    public TokenScope Scope { get; }

    /// <summary>The clients that obtained it.</summary>
    public IReadOnlyList<string> Presenters { get; }

    /// <summary>The whole-second expiry OpenIddict keeps, <c>null</c> for a token that never expires.</summary>
    public DateTimeOffset? ExpiresAt { get; }

    /// <summary>The exact expiry in Unix milliseconds (<see cref="TokenClaims.ExpiresAtClaim"/>).</summary>
    public long? ExactExpiry { get; }

    /// <summary>The caller-independent fields of an active introspection answer, made once per entry by the lean path.</summary>
    internal object? Introspection { get; set; }

    /// <summary>A copy of the token's principal, which callers may change.</summary>
    public ClaimsPrincipal ClonePrincipal() => _principal.Clone(static _ => true);

    internal ClaimsPrincipal Principal => _principal;

    /// <summary>Whether the token's lifetime has ended at <paramref name="now"/> (to the millisecond).</summary>
    public bool HasEnded(DateTimeOffset now) =>
        ExactExpiry is { } exact ? now.ToUnixTimeMilliseconds() >= exact : ExpiresAt is { } expiry && expiry < now;
}

/// <summary>
/// The one token reader: every access token presented anywhere — <c>/introspect</c> (lean path or OpenIddict's),
/// <c>/revoke</c>, bearer tokens on the management API and Usergrid paths, and the access check — is read here, in
/// one order: shape (no database read for garbage), then <see cref="ValidatedTokenCache"/>, then the store through
/// OpenIddict's validation (row, signature, status, expiry), then the exact expiry. Only failures pay a second lookup,
/// to tell an expired token from a revoked or unknown one (Usergrid clients refresh on the first, re-authenticate on
/// the second).
/// </summary>
public sealed class TokenReader(
    ValidatedTokenCache cache, OpenIddictValidationService validation, IOpenIddictTokenManager tokens, TimeProvider clock)
{
    /// <summary>
    /// The first two steps, which read no database: a malformed token, or an active one remembered by the cache. For
    /// callers on the hot path that would otherwise resolve this scoped reader for nothing. Such a caller reads on with
    /// <see cref="ReadAsync"/> when this finds nothing, and that read counts the cache's miss (<paramref name="countMiss"/>).
    /// </summary>
    public static bool TryReadFromMemory(ValidatedTokenCache cache, TimeProvider clock, string token, out TokenRead read, bool countMiss = true)
    {
        ArgumentNullException.ThrowIfNull(cache);
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentNullException.ThrowIfNull(token);
        read = !ReferenceTokens.IsWellFormed(token) ? new TokenRead(TokenState.Malformed, null)
            : cache.TryGet(token, out var entry, countMiss) && !entry!.HasEnded(clock.GetUtcNow()) ? new TokenRead(TokenState.Active, entry)
            : default;
        return read.State == TokenState.Malformed || read.Token is not null;
    }

    public async ValueTask<TokenRead> ReadAsync(string token, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(token);
        if (TryReadFromMemory(cache, clock, token, out var remembered))
        {
            return remembered;
        }

        // Not remembered (or remembered and ended): the row is read, and an entry made from it lives from this stamp.
        ValidatedToken entry;
        var stamp = cache.BeginRead();
        try
        {
            entry = cache.Add(token, await validation.ValidateAccessTokenAsync(token, cancellationToken), stamp);
        }
        catch (OpenIddictExceptions.ProtocolException)
        {
            return new TokenRead(await ClassifyFailureAsync(token, cancellationToken), null);
        }

        return entry.HasEnded(clock.GetUtcNow())
            ? new TokenRead(TokenState.Expired, null)
            : new TokenRead(TokenState.Active, entry);
    }

    private async ValueTask<TokenState> ClassifyFailureAsync(string token, CancellationToken cancellationToken)
    {
        var row = await tokens.FindByReferenceIdAsync(token, cancellationToken);
        if (row is null)
        {
            return TokenState.Unknown;
        }

        if (await tokens.HasStatusAsync(row, Statuses.Valid, cancellationToken) &&
            await tokens.GetExpirationDateAsync(row, cancellationToken) is { } expiry && expiry <= clock.GetUtcNow())
        {
            return TokenState.Expired;
        }

        return await tokens.HasTypeAsync(row, TokenTypeIdentifiers.AccessToken, cancellationToken)
            ? TokenState.Unknown
            : TokenState.NotAnAccessToken;
    }
}
