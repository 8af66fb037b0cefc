using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using TokenService.Data;
using TokenService.Data.Entities;
using TokenService.Options;

namespace TokenService.Security;

/// <summary>
/// Counts failed authentications per (identity, remote address) and per remote address, and says when a caller must
/// wait. An identity is a client id or a username in its scope. Keyed by address as well as identity on purpose:
/// an attacker guessing a client's secret locks out only itself, while the real client, calling from its own
/// address, keeps working.
/// <para>
/// Counters are shared by every instance through the database: each failure is added to its row there, atomically,
/// and the shared count comes back into this instance's memory, where every check is made — so a successful caller
/// pays one in-memory lookup and no round trip. An attacker spreading guesses over N instances gets the threshold
/// for the deployment, plus at most one more attempt on each instance that had not yet seen the count (the attempt
/// whose failure brings it the shared count): never N times the threshold. That holds for guesses made one after
/// another; guesses already in flight when the threshold is reached are checked before they fail, and answered.
/// </para>
/// </summary>
public sealed class FailedAttempts(
    IOptionsMonitor<BruteForceOptions> options, TimeProvider clock, IServiceScopeFactory scopes, Telemetry.ServiceMetrics metrics) : IDisposable
{
    // Bounded: an attacker rotating identities or addresses evicts old counters instead of growing memory.
    private readonly MemoryCache _counters = new(new MemoryCacheOptions { SizeLimit = 200_000 });

    /// <summary>How long the caller must wait, or <c>null</c> when it may try.</summary>
    public TimeSpan? RetryAfter(string identity, IPAddress? address)
    {
        var settings = options.CurrentValue;
        var now = clock.GetUtcNow();
        return Locked(IdentityKey(identity, address), settings.MaxFailuresPerIdentity, settings.Window, now)
               ?? (address is null ? null : Locked(AddressKey(address), settings.MaxFailuresPerAddress, settings.Window, now));
    }

    /// <summary>Only the address counter: for requests refused before any identity could be read.</summary>
    public TimeSpan? RetryAfter(IPAddress? address)
    {
        var settings = options.CurrentValue;
        return address is null ? null : Locked(AddressKey(address), settings.MaxFailuresPerAddress, settings.Window, clock.GetUtcNow());
    }

    /// <summary>
    /// Adds a failure to the shared counters of the identity at this address and of the address. Not cancellable:
    /// a client that hangs up after a wrong guess must not take the count of it away.
    /// </summary>
    public async Task RecordFailureAsync(string identity, IPAddress? address)
    {
        ArgumentNullException.ThrowIfNull(identity);
        metrics.AuthenticationFailed(identity.StartsWith(BruteForce.ClientIdentity(""), StringComparison.Ordinal) ? "client" : "user");
        var cancellationToken = CancellationToken.None;
        var window = options.CurrentValue.Window;
        await BumpAsync(IdentityKey(identity, address), window, cancellationToken);
        if (address is not null)
        {
            await BumpAsync(AddressKey(address), window, cancellationToken);
        }
    }

    /// <summary>
    /// A success clears the identity's counter for that address (not the address's own counter) — in the database
    /// too, but only when this instance knows of failures to clear, so that successes cost no write.
    /// </summary>
    public async Task RecordSuccessAsync(string identity, IPAddress? address, CancellationToken cancellationToken = default)
    {
        var key = IdentityKey(identity, address);
        if (!_counters.TryGetValue(key, out _))
        {
            return;
        }

        _counters.Remove(key);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TokenServiceDbContext>();
        var stored = Digest(key);
        await db.FailureCounters.Where(c => c.Key == stored).ExecuteDeleteAsync(cancellationToken);
    }

    private TimeSpan? Locked(string key, int threshold, TimeSpan window, DateTimeOffset now)
    {
        if (!_counters.TryGetValue(key, out Counter? counter) || counter is null)
        {
            return null;
        }

        var ends = counter.Start + window;
        return counter.Count >= threshold && now < ends ? ends - now : null;
    }

    /// <summary>
    /// One more failure in the shared row, in one statement that also starts a new window when the last one is over
    /// (every provider evaluates both assignments against the row as it was), then the row read back into memory.
    /// </summary>
    private async Task BumpAsync(string key, TimeSpan window, CancellationToken cancellationToken)
    {
        var stored = Digest(key);
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var windowMs = (long)window.TotalMilliseconds;
        var over = now - windowMs;
        var expires = now + 2 * windowMs;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TokenServiceDbContext>();
        for (var attempt = 0; ; attempt++)
        {
            var updated = await db.FailureCounters.Where(c => c.Key == stored).ExecuteUpdateAsync(s => s
                .SetProperty(c => c.Count, c => c.WindowStart <= over ? 1 : c.Count + 1)
                .SetProperty(c => c.WindowStart, c => c.WindowStart <= over ? now : c.WindowStart)
                .SetProperty(c => c.ExpiresAt, expires), cancellationToken);
            if (updated > 0)
            {
                break;
            }

            try
            {
                db.FailureCounters.Add(new FailureCounter { Key = stored, WindowStart = now, Count = 1, ExpiresAt = expires });
                await db.SaveChangesAsync(cancellationToken);
                break;
            }
            catch (DbUpdateException) when (attempt == 0)
            {
                // Another instance created the row first: add to it.
                db.ChangeTracker.Clear();
            }
        }

        var row = await db.FailureCounters.AsNoTracking().Where(c => c.Key == stored)
            .Select(c => new { c.Count, c.WindowStart }).FirstOrDefaultAsync(cancellationToken);
        if (row is null)
        {
            return; // cleared by a success meanwhile
        }

        // Read-backs may finish out of order: within one window the count only grows.
        var fresh = new Counter(row.Count, DateTimeOffset.FromUnixTimeMilliseconds(row.WindowStart));
        if (_counters.TryGetValue(key, out Counter? known) && known is not null && known.Start == fresh.Start && known.Count > fresh.Count)
        {
            return;
        }

        _counters.Set(key, fresh, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = window + window });
    }

    private static string IdentityKey(string identity, IPAddress? address) => $"i\n{identity}\n{address}";

    private static string AddressKey(IPAddress address) => $"a\n{address}";

    // In the database a counter is named by a digest of its key: fixed width, and no username or address in clear.
    private static string Digest(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    public void Dispose() => _counters.Dispose();

    private sealed record Counter(int Count, DateTimeOffset Start);
}
