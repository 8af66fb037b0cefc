using Microsoft.Extensions.Caching.Memory;

namespace TokenService.Tokens;

/// <summary>
/// A counter that every change made on this instance moves on. A cache entry made from a row read under an older
/// generation is dead, so a change is seen at once here, however many reads were in flight when it was made.
/// </summary>
public abstract class Generation
{
    private long _value;

    /// <summary>The generation now.</summary>
    public long Current => Interlocked.Read(ref _value);

    /// <summary>Kills every entry made from rows read before now.</summary>
    public void Advance() => Interlocked.Increment(ref _value);
}

/// <summary>Moved on by every revocation, rejection or deletion of a token on this instance.</summary>
public sealed class TokenGeneration : Generation;

/// <summary>
/// Moved on by every change on this instance to a client (secret, deletion) or to a tenant's settings (TTL, secured):
/// what the client, directory and TTL caches hold.
/// </summary>
public sealed class SettingsGeneration : Generation;

/// <summary>The contract's bound (CONTRACT §2, §6) for a change committed on another instance to take effect here.</summary>
public static class Freshness
{
    public static TimeSpan Bound { get; } = TimeSpan.FromSeconds(1);
}

/// <summary>When a row was read and under which generation: taken before the read, so a change made during it counts.</summary>
public readonly record struct ReadStamp(DateTimeOffset At, long Generation);

/// <summary>
/// A bounded memory of rows read from the database, with the contract's bound on staleness (CONTRACT §2, §6): an entry
/// is used at most <see cref="Freshness.Bound"/> after the read it came from began — so a change committed by another instance
/// is seen within that — and not at all once this instance made a change (<see cref="Generation"/>). Only what was
/// found is remembered.
/// </summary>
public sealed class FreshCache<TValue> : IDisposable where TValue : class
{
    private static TimeSpan Lifetime => Freshness.Bound;

    private readonly MemoryCache _entries;
    private readonly Generation _generation;
    private readonly TimeProvider _clock;
    private readonly Telemetry.ServiceMetrics _metrics;
    private readonly string _name;

    /// <param name="generation">What this instance changed since.</param>
    /// <param name="clock">The service's clock.</param>
    /// <param name="sizeLimit">At most this many entries.</param>
    /// <param name="metrics">Where hits and misses are counted, under <paramref name="name"/> (a fixed word).</param>
    /// <param name="name">The cache's name in the metrics.</param>
    public FreshCache(Generation generation, TimeProvider clock, int sizeLimit, Telemetry.ServiceMetrics metrics, string name)
    {
        ArgumentNullException.ThrowIfNull(generation);
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sizeLimit);
        ArgumentNullException.ThrowIfNull(metrics);
        _generation = generation;
        _clock = clock;
        _metrics = metrics;
        _name = name;
        _entries = new MemoryCache(new MemoryCacheOptions { SizeLimit = sizeLimit });
    }

    /// <summary>Call before reading the row an entry will be made from.</summary>
    public ReadStamp BeginRead() => new(_clock.GetUtcNow(), _generation.Current);

    /// <summary>The value remembered under <paramref name="key"/>, if it is still fresh.</summary>
    /// <param name="key">The entry's key.</param>
    /// <param name="value">The value, when found.</param>
    /// <param name="countMiss">
    /// False for a caller that, on a miss, goes on to a loader that looks again (<see cref="GetOrLoadAsync"/>): that
    /// lookup counts the miss, so one request's miss is counted once.
    /// </param>
    public bool TryGet(object key, out TValue? value, bool countMiss = true)
    {
        value = null;
        if (!_entries.TryGetValue(key, out Entry? entry) || entry is null ||
            entry.Stamp.Generation != _generation.Current ||
            _clock.GetUtcNow() - entry.Stamp.At >= Lifetime)
        {
            if (countMiss)
            {
                _metrics.CacheLookup(_name, hit: false);
            }

            return false;
        }

        _metrics.CacheLookup(_name, hit: true);
        value = entry.Value;
        return true;
    }

    /// <summary>
    /// The value remembered under <paramref name="key"/>, or the one <paramref name="load"/> reads now — remembered,
    /// when found, under the stamp taken before the read.
    /// </summary>
    public async ValueTask<TValue?> GetOrLoadAsync<TState>(object key, TState state, Func<TState, CancellationToken, Task<TValue?>> load,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(load);
        if (TryGet(key, out var value))
        {
            return value;
        }

        var stamp = BeginRead();
        value = await load(state, cancellationToken);
        if (value is not null)
        {
            Add(key, value, stamp);
        }

        return value;
    }

    /// <summary>Remembers a value made from a row whose read began at <paramref name="stamp"/>.</summary>
    public void Add(object key, TValue value, ReadStamp stamp)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        if (stamp.Generation != _generation.Current)
        {
            // Something changed on this instance while the row was read: the value may already be stale.
            return;
        }

        _entries.Set(key, new Entry(value, stamp), new MemoryCacheEntryOptions
        {
            Size = 1,

            // Dead entries are unusable anyway; this only gives their memory back.
            AbsoluteExpirationRelativeToNow = Lifetime + Lifetime,
        });
    }

    public void Dispose() => _entries.Dispose();

    private sealed record Entry(TValue Value, ReadStamp Stamp);
}
