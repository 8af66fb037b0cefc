using System.Security.Claims;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Core;
using OpenIddict.EntityFrameworkCore.Models;

namespace TokenService.Tokens;

/// <summary>
/// Remembers access tokens that were just validated (database row read, signature, status and expiry checked), so that
/// a resource server introspecting the same token again and again costs no database read. The contract's revocation
/// bound holds (<see cref="FreshCache{TValue}"/>): every revocation on this instance goes through
/// <see cref="InvalidatingTokenManager"/>, which moves <see cref="TokenGeneration"/> on and so kills every entry made
/// from a row read before it — including a read still in flight, since the generation is taken when the read begins;
/// on other instances an entry lives at most one second after its read began. Expiry is checked on every use by
/// <see cref="TokenReader"/>. Keys are SHA-256 digests of the tokens, so the cache holds no usable token.
/// </summary>
public sealed class ValidatedTokenCache(
    TokenGeneration generation, TimeProvider clock, Microsoft.Extensions.Options.IOptions<Options.CacheOptions> caches, Telemetry.ServiceMetrics metrics) : IDisposable
{
    private readonly FreshCache<ValidatedToken> _entries = new(generation, clock, caches.Value.Entries, metrics, "validated_tokens");

    /// <summary>Call before reading a token's row: an entry made from it is bound to what was current then.</summary>
    public ReadStamp BeginRead() => _entries.BeginRead();

    /// <summary>The entry of <paramref name="token"/>, if remembered; <paramref name="countMiss"/> as in <see cref="FreshCache{TValue}.TryGet"/>.</summary>
    public bool TryGet(string token, out ValidatedToken? entry, bool countMiss = true)
    {
        ArgumentNullException.ThrowIfNull(token);
        return _entries.TryGet(ReferenceTokens.Digest(token), out entry, countMiss);
    }

    /// <summary>Remembers a token validated against a row whose read began at <paramref name="stamp"/>; returns the entry.</summary>
    public ValidatedToken Add(string token, ClaimsPrincipal principal, ReadStamp stamp)
    {
        ArgumentNullException.ThrowIfNull(token);
        ArgumentNullException.ThrowIfNull(principal);
        var entry = new ValidatedToken(principal);
        _entries.Add(ReferenceTokens.Digest(token), entry, stamp);
        return entry;
    }

    /// <summary>Forgets every entry: called by every revocation made on this instance.</summary>
    public void Invalidate() => generation.Advance();

    public void Dispose() => _entries.Dispose();
}

/// <summary>
/// OpenIddict's token manager, emptying <see cref="ValidatedTokenCache"/> on every change of a token's validity made
/// here: revocations (one, by subject, by client, by authorization), rejections and deletions. Creating or updating
/// a token's other fields does not invalidate, so issuing tokens does not flush the cache. It records nothing: the
/// revoking code, which knows who revokes what for which tenant, raises the audit events.
/// </summary>
public sealed class InvalidatingTokenManager(
    IOpenIddictTokenCache<OpenIddictEntityFrameworkCoreToken> cache,
    ILogger<OpenIddictTokenManager<OpenIddictEntityFrameworkCoreToken>> logger,
    IOptionsMonitor<OpenIddictCoreOptions> options,
    IOpenIddictTokenStore<OpenIddictEntityFrameworkCoreToken> store,
    ValidatedTokenCache validated)
    : OpenIddictTokenManager<OpenIddictEntityFrameworkCoreToken>(cache, logger, options, store)
{
    public override async ValueTask<bool> TryRevokeAsync(OpenIddictEntityFrameworkCoreToken token, CancellationToken cancellationToken = default)
    {
        var revoked = await base.TryRevokeAsync(token, cancellationToken);
        validated.Invalidate();
        return revoked;
    }

    public override async ValueTask<long> RevokeAsync(string? subject, string? client, string? status, string? type, CancellationToken cancellationToken = default)
    {
        var revoked = await base.RevokeAsync(subject, client, status, type, cancellationToken);
        validated.Invalidate();
        return revoked;
    }

    public override async ValueTask<long> RevokeByApplicationIdAsync(string identifier, CancellationToken cancellationToken = default)
    {
        var revoked = await base.RevokeByApplicationIdAsync(identifier, cancellationToken);
        validated.Invalidate();
        return revoked;
    }

    public override async ValueTask<long> RevokeByAuthorizationIdAsync(string identifier, CancellationToken cancellationToken = default)
    {
        var revoked = await base.RevokeByAuthorizationIdAsync(identifier, cancellationToken);
        validated.Invalidate();
        return revoked;
    }

    public override async ValueTask<long> RevokeBySubjectAsync(string subject, CancellationToken cancellationToken = default)
    {
        var revoked = await base.RevokeBySubjectAsync(subject, cancellationToken);
        validated.Invalidate();
        return revoked;
    }

    public override async ValueTask DeleteAsync(OpenIddictEntityFrameworkCoreToken token, CancellationToken cancellationToken = default)
    {
        await base.DeleteAsync(token, cancellationToken);
        validated.Invalidate();
    }

    public override async ValueTask<bool> TryRejectAsync(OpenIddictEntityFrameworkCoreToken token, CancellationToken cancellationToken = default)
    {
        var rejected = await base.TryRejectAsync(token, cancellationToken);
        validated.Invalidate();
        return rejected;
    }
}
