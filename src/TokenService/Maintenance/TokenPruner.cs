using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OpenIddict.EntityFrameworkCore.Models;
using TokenService.Data;
using TokenService.Data.Entities;
using TokenService.Options;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace TokenService.Maintenance;

/// <summary>
/// Deletes expired and revoked tokens in the background, in bounded batches, on one instance at a time.
/// A token that is valid and unexpired is never matched: the two deletions below name only expired tokens and
/// tokens whose status is no longer valid, each past <see cref="PruningOptions.MinimumAge"/>.
/// </summary>
public sealed partial class TokenPruner(
    IServiceScopeFactory scopes, IOptions<PruningOptions> options, TimeProvider clock, ILogger<TokenPruner> logger,
    Telemetry.ServiceMetrics metrics)
    : BackgroundService
{
    private const string LeaseName = "token-pruning";
    private readonly string _instance = $"{Environment.MachineName}/{Guid.NewGuid():N}";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled)
        {
            return;
        }

        using var timer = new PeriodicTimer(options.Value.Interval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await PruneOnceAsync(stoppingToken);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // A failed run (database briefly away, a lock timeout) is retried at the next tick.
                Log.Failed(logger, exception);
            }
        }
    }

    /// <summary>One pruning run; returns how many tokens were deleted (0 when another instance holds the lease).</summary>
    public async Task<int> PruneOnceAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TokenServiceDbContext>();
        var settings = options.Value;
        if (!await scope.ServiceProvider.GetRequiredService<Leases>()
                .TryAcquireAsync(LeaseName, _instance, settings.Interval, cancellationToken))
        {
            Log.LeaseHeldElsewhere(logger);
            return 0;
        }

        // OpenIddict stores token dates as UTC DateTime.
        var threshold = (clock.GetUtcNow() - settings.MinimumAge).UtcDateTime;
        // Tokens are counted batch by batch: a later failure does not bring deleted rows back.
        var deleted = await DeleteInBatchesAsync(ExpiredTokens(db, threshold), settings.BatchSize, cancellationToken, metrics.Pruned);
        deleted += await DeleteInBatchesAsync(RevokedTokens(db, threshold), settings.BatchSize, cancellationToken, metrics.Pruned);
        var audits = await DeleteInBatchesAsync(
            OldAuditEvents(db, (clock.GetUtcNow() - settings.AuditRetention).ToUnixTimeMilliseconds()), settings.BatchSize, cancellationToken);

        // Brute-force counters whose window is long over mean nothing any more.
        await DeleteInBatchesAsync(ExpiredCounters(db, clock.GetUtcNow().ToUnixTimeMilliseconds()), settings.BatchSize, cancellationToken);
        if (deleted > 0 || audits > 0)
        {
            Log.Pruned(logger, deleted, audits);
        }

        return deleted;
    }

    // Each batch is ordered by the column its filter ranges over, so the database walks that column's index and stops
    // after one batch. Ordered by the key instead, SQLite gathered every matching row and sorted it for each batch: at
    // ten million expired tokens one batch held the write lock for minutes (bench/scale.sh), and nothing was pruned.

    /// <summary>Tokens expired before <paramref name="threshold"/>, oldest first (the <c>ExpirationDate</c> index).</summary>
    public static IOrderedQueryable<OpenIddictEntityFrameworkCoreToken> ExpiredTokens(TokenServiceDbContext db, DateTime threshold) =>
        db.Set<OpenIddictEntityFrameworkCoreToken>().Where(t => t.ExpirationDate != null && t.ExpirationDate < threshold).OrderBy(t => t.ExpirationDate);

    /// <summary>Tokens no longer valid (revoked, redeemed) created before <paramref name="threshold"/> (the <c>CreationDate</c> index).</summary>
    public static IOrderedQueryable<OpenIddictEntityFrameworkCoreToken> RevokedTokens(TokenServiceDbContext db, DateTime threshold) =>
        db.Set<OpenIddictEntityFrameworkCoreToken>().Where(t => t.Status != Statuses.Valid && t.CreationDate < threshold).OrderBy(t => t.CreationDate);

    /// <summary>Audit events older than <paramref name="threshold"/> (Unix ms; the <c>At</c> index).</summary>
    public static IOrderedQueryable<AuditEvent> OldAuditEvents(TokenServiceDbContext db, long threshold) =>
        db.AuditEvents.Where(e => e.At < threshold).OrderBy(e => e.At);

    /// <summary>Brute-force counters whose window ended before <paramref name="now"/> (Unix ms; the <c>ExpiresAt</c> index).</summary>
    public static IOrderedQueryable<FailureCounter> ExpiredCounters(TokenServiceDbContext db, long now) =>
        db.FailureCounters.Where(c => c.ExpiresAt < now).OrderBy(c => c.ExpiresAt);

    private static async Task<int> DeleteInBatchesAsync<T>(
        IOrderedQueryable<T> doomed, int batchSize, CancellationToken cancellationToken, Action<long>? batchDeleted = null)
    {
        var total = 0;
        int deleted;
        do
        {
            // One short statement per batch: locks stay few and brief, so concurrent token writes are not stalled.
            deleted = await doomed.Take(batchSize).ExecuteDeleteAsync(cancellationToken);
            batchDeleted?.Invoke(deleted);
            total += deleted;
        }
        while (deleted == batchSize);

        return total;
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Pruned {Count} expired or revoked tokens and {Audits} audit events past retention.")]
        public static partial void Pruned(ILogger logger, int count, int audits);

        [LoggerMessage(Level = LogLevel.Debug, Message = "Pruning skipped: another instance holds the pruning lease for this run.")]
        public static partial void LeaseHeldElsewhere(ILogger logger);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Token pruning failed; it will be retried.")]
        public static partial void Failed(ILogger logger, Exception exception);
    }
}

/// <summary>Registers background maintenance.</summary>
public static class MaintenanceExtensions
{
    public static IHostApplicationBuilder AddTokenServiceMaintenance(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddScoped<Leases>();
        builder.Services.AddSingleton<TokenPruner>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<TokenPruner>());
        return builder;
    }
}
