using System.Net;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using TokenService.Options;

namespace TokenService.Security;

/// <summary>
/// Counts failed authentications per (identity, remote address) and per remote address, and says when a caller must
/// wait. An identity is a client id or a username in its scope. Keyed by address as well as identity on purpose:
/// an attacker guessing a client's secret locks out only itself, while the real client, calling from its own
/// address, keeps working. Checking is one in-memory lookup, so successful callers pay nothing measurable.
/// Counters live in this process: with several instances behind a balancer an attacker gets the threshold per
/// instance, which still bounds guessing to a handful of attempts per window.
/// </summary>
public sealed class FailedAttempts(IOptionsMonitor<BruteForceOptions> options, TimeProvider clock) : IDisposable
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

    public void RecordFailure(string identity, IPAddress? address)
    {
        var settings = options.CurrentValue;
        var now = clock.GetUtcNow();
        Bump(IdentityKey(identity, address), settings.Window, now);
        if (address is not null)
        {
            Bump(AddressKey(address), settings.Window, now);
        }
    }

    /// <summary>A success clears the identity's counter for that address (not the address's own counter).</summary>
    public void RecordSuccess(string identity, IPAddress? address) => _counters.Remove(IdentityKey(identity, address));

    private TimeSpan? Locked(string key, int threshold, TimeSpan window, DateTimeOffset now)
    {
        if (!_counters.TryGetValue(key, out Counter? counter) || counter is null)
        {
            return null;
        }

        lock (counter)
        {
            var ends = counter.Start + window;
            return counter.Count >= threshold && now < ends ? ends - now : null;
        }
    }

    private void Bump(string key, TimeSpan window, DateTimeOffset now)
    {
        var counter = _counters.GetOrCreate(key, entry =>
        {
            entry.Size = 1;
            entry.AbsoluteExpirationRelativeToNow = window + window;
            return new Counter { Start = now };
        })!;
        lock (counter)
        {
            if (now >= counter.Start + window)
            {
                (counter.Start, counter.Count) = (now, 0);
            }

            counter.Count++;
        }
    }

    private static string IdentityKey(string identity, IPAddress? address) => $"i\n{identity}\n{address}";

    private static string AddressKey(IPAddress address) => $"a\n{address}";

    public void Dispose() => _counters.Dispose();

    private sealed class Counter
    {
        public int Count { get; set; }

        public DateTimeOffset Start { get; set; }
    }
}
