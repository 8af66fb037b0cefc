using Microsoft.EntityFrameworkCore;
using TokenService.Data;
using TokenService.Data.Entities;

namespace TokenService.Security;

/// <summary>
/// How many instances of the service share this database, from a heartbeat each writes every few seconds: the
/// divisor of every deployment-wide budget (<see cref="RequestBudgets"/>). An instance that stops beating is
/// forgotten after <see cref="Expiry"/>; until then the others keep the smaller share, which errs on the safe side.
/// </summary>
public sealed partial class LiveInstances(IServiceScopeFactory scopes, TimeProvider clock, Database.DatabaseReadiness readiness,
    ILogger<LiveInstances> logger) : BackgroundService
{
    /// <summary>Time between heartbeats.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    /// <summary>An instance unseen for this long no longer counts.</summary>
    public static readonly TimeSpan Expiry = TimeSpan.FromSeconds(15);

    private volatile int _count = 1;

    /// <summary>This instance's random id.</summary>
    public string Id { get; } = Guid.NewGuid().ToString("N");

    /// <summary>Live instances, this one included (at least 1).</summary>
    public int Count => _count;

    /// <summary>Writes this instance's heartbeat and counts the live ones.</summary>
    public async Task BeatAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TokenServiceDbContext>();
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        if (await db.ServiceInstances.Where(i => i.Id == Id).ExecuteUpdateAsync(s => s.SetProperty(i => i.LastSeen, now), cancellationToken) == 0)
        {
            db.ServiceInstances.Add(new ServiceInstance { Id = Id, LastSeen = now });
            await db.SaveChangesAsync(cancellationToken);
        }

        var since = now - (long)Expiry.TotalMilliseconds;
        var live = await db.ServiceInstances.CountAsync(i => i.LastSeen >= since, cancellationToken);
        _count = Math.Max(1, live);

        // Instances gone for a minute are removed by whoever sees them first.
        var gone = now - (long)TimeSpan.FromMinutes(1).TotalMilliseconds;
        await db.ServiceInstances.Where(i => i.LastSeen < gone).ExecuteDeleteAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (readiness.IsReady)
                {
                    await BeatAsync(stoppingToken);
                }

                // Real time between beats (the injected clock dates them): tests move their clocks by days.
                await Task.Delay(readiness.IsReady ? Interval : TimeSpan.FromSeconds(1), stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (exception is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                // The database is away, or too busy to take the beat in time (SQLite answered "database is locked" after a
                // 30-second write stall at ten million tokens): keep the last count and try again. A heartbeat is never
                // worth the process — an exception leaving this loop would stop the host.
                Log.HeartbeatFailed(logger, Data.DatabaseFailures.Describe(exception));
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Warning, Message = "The instance heartbeat failed ({Error}); the last instance count stays in use.")]
        public static partial void HeartbeatFailed(ILogger logger, string error);
    }
}
