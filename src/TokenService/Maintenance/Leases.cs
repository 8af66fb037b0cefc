using Microsoft.EntityFrameworkCore;
using TokenService.Data;
using TokenService.Data.Entities;

namespace TokenService.Maintenance;

/// <summary>
/// Expiring leases in the shared database: one atomic conditional UPDATE takes a lease that is free, expired or
/// already ours, so among several instances exactly one holds it at a time, on SQLite and SQL Server alike.
/// </summary>
public sealed class Leases(TokenServiceDbContext db, TimeProvider clock)
{
    /// <summary>Takes or renews the lease for <paramref name="duration"/>; false when another instance holds it.</summary>
    public async Task<bool> TryAcquireAsync(string name, string holder, TimeSpan duration, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var until = now + (long)duration.TotalMilliseconds;
        var taken = await db.Leases
            .Where(l => l.Name == name && (l.ExpiresAt <= now || l.Holder == holder))
            .ExecuteUpdateAsync(s => s.SetProperty(l => l.Holder, holder).SetProperty(l => l.ExpiresAt, until), cancellationToken);
        if (taken == 1)
        {
            return true;
        }

        if (await db.Leases.AnyAsync(l => l.Name == name, cancellationToken))
        {
            return false;
        }

        try
        {
            db.Leases.Add(new Lease { Name = name, Holder = holder, ExpiresAt = until });
            await db.SaveChangesAsync(cancellationToken);
            return true;
        }
        catch (DbUpdateException)
        {
            // Another instance created it first, and so holds it.
            db.ChangeTracker.Clear();
            return false;
        }
    }
}
