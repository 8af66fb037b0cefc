using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OpenIddict.EntityFrameworkCore.Models;
using TokenService.Data;
using TokenService.Options;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace TokenService.Maintenance;

/// <summary>
/// Deletes expired and revoked tokens in the background, in bounded batches, on one instance at a time.
/// A token that is valid and unexpired is never matched: the two deletions below name only expired tokens and
/// tokens whose status is no longer valid, each past <see cref="PruningOptions.MinimumAge"/>.
/// </summary>
public sealed partial class TokenPruner(
    IServiceScopeFactory scopes, IOptions<PruningOptions> options, TimeProvider clock, ILogger<TokenPruner> logger)
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
        var tokens = db.Set<OpenIddictEntityFrameworkCoreToken>();
        var deleted = await DeleteInBatchesAsync(
            tokens.Where(t => t.ExpirationDate != null && t.ExpirationDate < threshold).OrderBy(t => t.Id), settings.BatchSize, cancellationToken);
        deleted += await DeleteInBatchesAsync(
            tokens.Where(t => t.Status != Statuses.Valid && t.CreationDate < threshold).OrderBy(t => t.Id), settings.BatchSize, cancellationToken);

        var auditThreshold = (clock.GetUtcNow() - settings.AuditRetention).ToUnixTimeMilliseconds();
        var audits = await DeleteInBatchesAsync(
            db.AuditEvents.Where(e => e.At < auditThreshold).OrderBy(e => e.Id), settings.BatchSize, cancellationToken);

        // Brute-force counters whose window is long over mean nothing any more.
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        await DeleteInBatchesAsync(db.FailureCounters.Where(c => c.ExpiresAt < now).OrderBy(c => c.Key), settings.BatchSize, cancellationToken);
        if (deleted > 0 || audits > 0)
        {
            Log.Pruned(logger, deleted, audits);
        }

        return deleted;
    }

    private static async Task<int> DeleteInBatchesAsync<T>(IOrderedQueryable<T> doomed, int batchSize, CancellationToken cancellationToken)
    {
        var total = 0;
        int deleted;
        do
        {
            // One short statement per batch: locks stay few and brief, so concurrent token writes are not stalled.
            deleted = await doomed.Take(batchSize).ExecuteDeleteAsync(cancellationToken);
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
