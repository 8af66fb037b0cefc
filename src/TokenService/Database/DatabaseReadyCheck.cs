using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using TokenService.Data;

namespace TokenService.Database;

/// <summary>
/// Ready means requests can succeed: the service finished preparing its database (<see cref="DatabaseReadiness"/>),
/// the database answers now, and its schema is the one this build expects (no pending migrations).
/// </summary>
internal sealed class DatabaseReadyCheck(TokenServiceDbContext db, DatabaseReadiness? readiness = null) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (readiness is { IsReady: false, Reason: var reason })
        {
            return HealthCheckResult.Unhealthy("database: " + reason);
        }

        try
        {
            // Opened, not CanConnect: its error (the driver's own, e.g. a network error) is what an operator needs to read.
            await db.Database.OpenConnectionAsync(cancellationToken);
            await db.Database.CloseConnectionAsync();
            var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
            return pending.Count == 0
                ? HealthCheckResult.Healthy()
                : HealthCheckResult.Unhealthy($"database: {pending.Count} migration(s) pending: {string.Join(", ", pending)}.");
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy($"database: it cannot be reached ({Data.DatabaseFailures.Describe(exception)}).");
        }
    }
}
