using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Core;
using OpenIddict.EntityFrameworkCore.Models;

namespace TokenService.Tokens;

/// <summary>
/// Remembers secrets that were verified, so a client pays for PBKDF2 (≈2.4 ms) once rather than on every token,
/// introspection and management request. Safe by construction:
/// <list type="bullet">
/// <item>an entry is an HMAC of (stored hash, presented secret) under a key that lives only in this process — no
/// secret is kept, and the entry proves nothing to anyone without that key;</item>
/// <item>the stored hash is part of the key, so a rotation (a new hash) misses the cache at once and the old secret
/// goes back to PBKDF2, where it fails — on every instance, since each reads the hash from the database;</item>
/// <item>only successes are cached: wrong secrets always pay the full cost.</item>
/// </list>
/// </summary>
public sealed class VerifiedSecretCache(Microsoft.Extensions.Options.IOptions<Options.CacheOptions> caches) : IDisposable
{
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);
    private readonly MemoryCache _verified = new(new MemoryCacheOptions { SizeLimit = caches.Value.Entries });

    /// <summary>Entries not used for this long are dropped; a client that calls again re-verifies once.</summary>
    public TimeSpan SlidingExpiration { get; } = caches.Value.VerifiedSecretIdle;

    /// <remarks>
    /// Selector and verifier: the first half of the HMAC finds the entry, the whole HMAC is then compared in constant
    /// time, so how long a lookup takes says nothing about how much of a presented secret was right.
    /// </remarks>
    public bool IsVerified(string storedHash, string secret)
    {
        var mac = Fingerprint(storedHash, secret);
        return _verified.TryGetValue(Selector(mac), out byte[]? verifier) && verifier is not null &&
               CryptographicOperations.FixedTimeEquals(verifier, mac);
    }

    public void MarkVerified(string storedHash, string secret)
    {
        var mac = Fingerprint(storedHash, secret);
        _verified.Set(Selector(mac), mac, new MemoryCacheEntryOptions { Size = 1, SlidingExpiration = SlidingExpiration });
    }

    private static string Selector(byte[] mac) => Convert.ToBase64String(mac, 0, 16);

    private byte[] Fingerprint(string storedHash, string secret)
    {
        ArgumentNullException.ThrowIfNull(storedHash);
        ArgumentNullException.ThrowIfNull(secret);
        var input = Encoding.UTF8.GetBytes(storedHash + "\n" + secret);
        return HMACSHA256.HashData(_key, input);
    }

    public void Dispose() => _verified.Dispose();
}

/// <summary>OpenIddict's application manager with secret verification going through <see cref="VerifiedSecretCache"/>.</summary>
public sealed class CachingApplicationManager(
    IOpenIddictApplicationCache<OpenIddictEntityFrameworkCoreApplication> cache,
    ILogger<OpenIddictApplicationManager<OpenIddictEntityFrameworkCoreApplication>> logger,
    IOptionsMonitor<OpenIddictCoreOptions> options,
    IOpenIddictApplicationStore<OpenIddictEntityFrameworkCoreApplication> store,
    VerifiedSecretCache verified,
    SettingsGeneration settings,
    SecretsVerifiedInRequest request)
    : OpenIddictApplicationManager<OpenIddictEntityFrameworkCoreApplication>(cache, logger, options, store)
{
    /// <summary>Every change of a client (a new secret above all) kills what this instance remembers of clients, once committed.</summary>
    public override async ValueTask UpdateAsync(OpenIddictEntityFrameworkCoreApplication application, CancellationToken cancellationToken = default)
    {
        await base.UpdateAsync(application, cancellationToken);
        settings.Advance();
    }

    public override async ValueTask DeleteAsync(OpenIddictEntityFrameworkCoreApplication application, CancellationToken cancellationToken = default)
    {
        await base.DeleteAsync(application, cancellationToken);
        settings.Advance();
    }

    /// <summary>Remembers, for this request's new tokens, which stored hash the client's secret was verified against.</summary>
    public override async ValueTask<bool> ValidateClientSecretAsync(OpenIddictEntityFrameworkCoreApplication application, string secret, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(application);
        if (!await base.ValidateClientSecretAsync(application, secret, cancellationToken))
        {
            return false;
        }

        if (application is { Id: { } id, ClientSecret: { } hash })
        {
            request.Record(id, hash);
        }

        return true;
    }

    protected override async ValueTask<bool> ValidateClientSecretAsync(string secret, string comparand, CancellationToken cancellationToken = default)
    {
        if (verified.IsVerified(comparand, secret))
        {
            return true;
        }

        if (!await base.ValidateClientSecretAsync(secret, comparand, cancellationToken))
        {
            return false;
        }

        verified.MarkVerified(comparand, secret);
        return true;
    }
}

/// <summary>
/// The stored hashes clients' secrets were verified against in this request, by client row id: the token writer
/// checks them again when it commits the request's tokens (<see cref="Database.ReplacedSecrets"/>).
/// </summary>
public sealed class SecretsVerifiedInRequest
{
    private readonly Dictionary<string, string> _hashes = new(StringComparer.Ordinal);

    public void Record(string applicationId, string hash) => _hashes[applicationId] = hash;

    public string? HashFor(string? applicationId) => applicationId is not null && _hashes.TryGetValue(applicationId, out var hash) ? hash : null;
}
