using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Core;
using OpenIddict.EntityFrameworkCore.Models;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace TokenService.OAuth;

/// <summary>
/// Remembers access tokens OpenIddict has just validated (database row read, payload decrypted and checked), for at
/// most <see cref="Lifetime"/>, so that a resource server introspecting the same token again and again costs no
/// database read. The contract's revocation bounds hold:
/// <list type="bullet">
/// <item>on this instance, every revocation goes through <see cref="InvalidatingTokenManager"/>, which empties the
/// cache at once (a new generation);</item>
/// <item>on other instances an entry lives at most one second after its row was read, so a revocation committed
/// elsewhere is seen within a second.</item>
/// </list>
/// Expiry is still checked on every use (OpenIddict's own handler runs against the cached principal). Keys are
/// SHA-256 digests of the tokens, so the cache holds no usable token.
/// </summary>
public sealed class ValidatedTokenCache(TimeProvider clock) : IDisposable
{
    /// <summary>The contract's bound for a revocation on another instance to take effect.</summary>
    public static TimeSpan Lifetime { get; } = TimeSpan.FromSeconds(1);

    private readonly MemoryCache _entries = new(new MemoryCacheOptions { SizeLimit = 100_000 });
    private long _generation;

    public bool TryGet(string token, out ClaimsPrincipal? principal)
    {
        principal = null;
        if (!_entries.TryGetValue(Key(token), out Entry? entry) || entry is null ||
            entry.Generation != Interlocked.Read(ref _generation) ||
            clock.GetUtcNow() - entry.ReadAt >= Lifetime)
        {
            return false;
        }

        principal = entry.Principal.Clone(static _ => true);
        return true;
    }

    /// <summary>Remembers a principal validated against a row read at <paramref name="readAt"/>.</summary>
    public void Add(string token, ClaimsPrincipal principal, DateTimeOffset readAt)
    {
        ArgumentNullException.ThrowIfNull(principal);
        _entries.Set(Key(token), new Entry(principal.Clone(static _ => true), readAt, Interlocked.Read(ref _generation)),
            new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = Lifetime + Lifetime });
    }

    /// <summary>Forgets every entry: called by every revocation made on this instance.</summary>
    public void Invalidate() => Interlocked.Increment(ref _generation);

    private static string Key(string token) => Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    public void Dispose() => _entries.Dispose();

    private sealed record Entry(ClaimsPrincipal Principal, DateTimeOffset ReadAt, long Generation);
}

/// <summary>The OpenIddict handlers that wire <see cref="ValidatedTokenCache"/> into token validation.</summary>
public static class ValidatedTokenCaching
{
    private const string FromCache = "TokenService:FromCache";
    private const string ReadAt = "TokenService:ReadAt";
    private const string Presented = "TokenService:PresentedToken";

    /// <summary>
    /// OpenIddict's handlers that read the database or decrypt the token, re-registered so that they run only when
    /// the token was not answered from the cache. Everything else (principal, expiry, presenters, audiences) still runs.
    /// </summary>
    public static IEnumerable<OpenIddictServerHandlerDescriptor> SkippedOnHit { get; } =
    [
        OpenIddictServerHandlers.Protection.ValidateReferenceTokenIdentifier.Descriptor,
        OpenIddictServerHandlers.Protection.ValidateIdentityModelToken.Descriptor,
        OpenIddictServerHandlers.Protection.RestoreTokenEntryProperties.Descriptor,
        OpenIddictServerHandlers.Protection.ValidateTokenEntry.Descriptor,
    ];

    public static OpenIddictServerHandlerDescriptor OnlyOnMiss(OpenIddictServerHandlerDescriptor descriptor) =>
        OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateTokenContext>()
            .Import(descriptor)
            .AddFilter<RequireCacheMiss>()
            .Build();

    private static bool AcceptsAccessTokens(ValidateTokenContext context) =>
        context.ValidTokenTypes.Count == 0 || context.ValidTokenTypes.Contains(TokenTypeIdentifiers.AccessToken);

    /// <summary>Runs a handler only when the token was not answered from the cache.</summary>
    public sealed class RequireCacheMiss : IOpenIddictServerHandlerFilter<ValidateTokenContext>
    {
        public ValueTask<bool> IsActiveAsync(ValidateTokenContext context)
        {
            ArgumentNullException.ThrowIfNull(context);
            return ValueTask.FromResult(!context.Transaction.Properties.ContainsKey(FromCache));
        }
    }

    /// <summary>First: answers a recently validated access token from the cache.</summary>
    public sealed class UseCachedToken(ValidatedTokenCache cache, TimeProvider clock) : IOpenIddictServerHandler<ValidateTokenContext>
    {
        public static OpenIddictServerHandlerDescriptor Descriptor { get; } =
            OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateTokenContext>()
                .UseSingletonHandler<UseCachedToken>()
                .SetOrder(OpenIddictServerHandlers.Protection.ValidateReferenceTokenIdentifier.Descriptor.Order - 100)
                .SetType(OpenIddictServerHandlerType.Custom)
                .Build();

        public ValueTask HandleAsync(ValidateTokenContext context)
        {
            ArgumentNullException.ThrowIfNull(context);
            if (context.IsRejected || string.IsNullOrEmpty(context.Token) || !AcceptsAccessTokens(context))
            {
                return default;
            }

            if (cache.TryGet(context.Token, out var principal))
            {
                context.Principal = principal;
                context.IsReferenceToken = true;
                context.TokenId = principal!.GetTokenId();
                context.Transaction.Properties[FromCache] = true;
            }
            else
            {
                // The row is about to be read: an entry made from it may live a second from now, not longer.
                // OpenIddict replaces context.Token with the stored payload as it goes: keep what was presented.
                context.Transaction.Properties[ReadAt] = clock.GetUtcNow();
                context.Transaction.Properties[Presented] = context.Token;
            }

            return default;
        }
    }

    /// <summary>Last: remembers an access token that passed every check.</summary>
    public sealed class RememberValidatedToken(ValidatedTokenCache cache) : IOpenIddictServerHandler<ValidateTokenContext>
    {
        public static OpenIddictServerHandlerDescriptor Descriptor { get; } =
            OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateTokenContext>()
                .UseSingletonHandler<RememberValidatedToken>()
                .SetOrder(int.MaxValue - 100_000)
                .SetType(OpenIddictServerHandlerType.Custom)
                .Build();

        public ValueTask HandleAsync(ValidateTokenContext context)
        {
            ArgumentNullException.ThrowIfNull(context);
            if (!context.IsRejected && context.Principal is { } principal &&
                !context.Transaction.Properties.ContainsKey(FromCache) &&
                context.Transaction.Properties.TryGetValue(ReadAt, out var readAt) && readAt is DateTimeOffset at &&
                context.Transaction.Properties.TryGetValue(Presented, out var presented) && presented is string token &&
                principal.HasTokenType(TokenTypeIdentifiers.AccessToken))
            {
                cache.Add(token, principal, at);
            }

            return default;
        }
    }
}

/// <summary>
/// OpenIddict's token manager, emptying <see cref="ValidatedTokenCache"/> on every change of a token's validity made
/// here: revocations (one, by subject, by client, by authorization), rejections and deletions. Creating or updating
/// a token's other fields does not invalidate, so issuing tokens does not flush the cache.
/// </summary>
public sealed class InvalidatingTokenManager(
    IOpenIddictTokenCache<OpenIddictEntityFrameworkCoreToken> cache,
    ILogger<OpenIddictTokenManager<OpenIddictEntityFrameworkCoreToken>> logger,
    IOptionsMonitor<OpenIddictCoreOptions> options,
    IOpenIddictTokenStore<OpenIddictEntityFrameworkCoreToken> store,
    ValidatedTokenCache validated,
    Security.AuditLog audits)
    : OpenIddictTokenManager<OpenIddictEntityFrameworkCoreToken>(cache, logger, options, store)
{
    public override async ValueTask<bool> TryRevokeAsync(OpenIddictEntityFrameworkCoreToken token, CancellationToken cancellationToken = default)
    {
        var revoked = await base.TryRevokeAsync(token, cancellationToken);
        validated.Invalidate();
        if (revoked)
        {
            await audits.RecordAsync(Security.AuditKinds.TokenRevoked,
                await audits.OrganizationOfApplicationRowAsync(await GetApplicationIdAsync(token, cancellationToken), cancellationToken),
                "token:" + token.Id, $"of {token.Subject}");
        }

        return revoked;
    }

    public override async ValueTask<long> RevokeAsync(string? subject, string? client, string? status, string? type, CancellationToken cancellationToken = default)
    {
        var revoked = await base.RevokeAsync(subject, client, status, type, cancellationToken);
        validated.Invalidate();
        await audits.RecordAsync(Security.AuditKinds.TokensRevoked,
            await audits.OrganizationOfSubjectAsync(subject ?? client, cancellationToken), subject ?? client, $"{revoked} revoked");
        return revoked;
    }

    public override async ValueTask<long> RevokeByApplicationIdAsync(string identifier, CancellationToken cancellationToken = default)
    {
        var revoked = await base.RevokeByApplicationIdAsync(identifier, cancellationToken);
        validated.Invalidate();
        await audits.RecordAsync(Security.AuditKinds.TokensRevoked,
            await audits.OrganizationOfApplicationRowAsync(identifier, cancellationToken), "client row " + identifier, $"{revoked} revoked");
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
        await audits.RecordAsync(Security.AuditKinds.TokensRevoked,
            await audits.OrganizationOfSubjectAsync(subject, cancellationToken), subject, $"{revoked} revoked");
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
