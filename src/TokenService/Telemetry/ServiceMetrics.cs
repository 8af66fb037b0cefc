using System.Diagnostics.Metrics;

namespace TokenService.Telemetry;

/// <summary>
/// The service's own metrics (meter <c>TokenService</c>), raised by the code that acts. Every label takes its value from
/// a small fixed vocabulary — grant types, principal kinds, reasons, cache names — never an organization, application
/// or user name, a client id, a secret or a token: for privacy, and so that the number of series stays bounded.
/// Prometheus names: <c>tokenservice_tokens_issued_total</c> and so on (dots become underscores; counters end in
/// <c>_total</c>, durations in <c>_seconds</c>).
/// </summary>
public sealed class ServiceMetrics
{
    public const string MeterName = "TokenService";

    private readonly Counter<long> _issued;
    private readonly Counter<long> _introspections;
    private readonly Counter<long> _revocations;
    private readonly Counter<long> _authenticationFailures;
    private readonly Counter<long> _refusals;
    private readonly Histogram<int> _batchSize;
    private readonly Histogram<double> _commitDuration;
    private readonly Counter<long> _cacheLookups;
    private readonly Counter<long> _pruned;
    private readonly Counter<long> _auditEvents;

    public ServiceMetrics(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        var meter = meters.Create(MeterName);
        _issued = meter.CreateCounter<long>("tokenservice.tokens.issued", "{token}", "Access tokens issued, by grant type and principal type.");
        _introspections = meter.CreateCounter<long>("tokenservice.introspections", "{request}", "Introspection answers, by whether the token was active.");
        _revocations = meter.CreateCounter<long>("tokenservice.revocations", "{token}", "Tokens revoked, by how (one token, a client's, a user's).");
        _authenticationFailures = meter.CreateCounter<long>("tokenservice.authentication.failures", "{attempt}", "Failed client or user authentications.");
        _refusals = meter.CreateCounter<long>("tokenservice.refusals", "{request}", "Requests refused before their work: brute force, rate limit, body size, transport.");
        _batchSize = meter.CreateHistogram<int>("tokenservice.commit.batch.size", "{row}", "Token rows per group commit.",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256] });
        _commitDuration = meter.CreateHistogram<double>("tokenservice.commit.duration", "s", "Duration of a group commit.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] });
        _cacheLookups = meter.CreateCounter<long>("tokenservice.cache.lookups", "{lookup}", "Cache lookups, by cache and hit or miss.");
        _pruned = meter.CreateCounter<long>("tokenservice.tokens.pruned", "{row}", "Expired or revoked token rows pruned.");
        _auditEvents = meter.CreateCounter<long>("tokenservice.audit.events", "{event}", "Audit events written.");
    }

    /// <summary>An access token issued. <paramref name="grant"/> is an OAuth grant type OpenIddict accepted.</summary>
    public void TokenIssued(string grant, string principalType) =>
        _issued.Add(1, new("grant", grant), new("principal_type", principalType));

    public void Introspected(bool active) => _introspections.Add(1, new KeyValuePair<string, object?>("active", active ? "true" : "false"));

    /// <summary>Tokens revoked: <c>token</c> (one, by /revoke or a user's revoketoken), <c>client</c>, <c>user</c>.</summary>
    public void Revoked(string kind, long count)
    {
        if (count > 0)
        {
            _revocations.Add(count, new KeyValuePair<string, object?>("kind", kind));
        }
    }

    /// <summary>A failed authentication: <c>client</c> (a client id and secret) or <c>user</c> (a password).</summary>
    public void AuthenticationFailed(string kind) => _authenticationFailures.Add(1, new KeyValuePair<string, object?>("kind", kind));

    /// <summary>A refusal: <c>brute_force</c>, <c>rate_limit</c>, <c>body_size</c> or <c>transport</c>.</summary>
    public void Refused(string reason) => _refusals.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void Committed(int rows, TimeSpan duration)
    {
        _batchSize.Record(rows);
        _commitDuration.Record(duration.TotalSeconds);
    }

    public void CacheLookup(string cache, bool hit) =>
        _cacheLookups.Add(1, new("cache", cache), new("result", hit ? "hit" : "miss"));

    public void Pruned(long rows)
    {
        if (rows > 0)
        {
            _pruned.Add(rows);
        }
    }

    public void AuditEventsWritten(int count)
    {
        if (count > 0)
        {
            _auditEvents.Add(count);
        }
    }
}

/// <summary>The fixed words the labels take.</summary>
public static class MetricWords
{
    public const string BruteForce = "brute_force";
    public const string RateLimit = "rate_limit";
    public const string BodySize = "body_size";
    public const string Transport = "transport";
}

/// <summary>Registers the service's meter (the exporters are the host's).</summary>
public static class TelemetryExtensions
{
    public static IHostApplicationBuilder AddTokenServiceMetrics(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddMetrics();
        builder.Services.AddSingleton<ServiceMetrics>();
        return builder;
    }
}
