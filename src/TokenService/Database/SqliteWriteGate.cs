using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace TokenService.Database;

/// <summary>
/// SQLite admits one writer at a time, and Microsoft.Data.Sqlite answers a busy database by sleeping and retrying —
/// hundreds of milliseconds of tail latency when requests write concurrently (token issuance). Queuing this
/// process's implicit-transaction saves behind one async gate turns those sleeps into a short wait in line.
/// Saves inside an explicit transaction are left alone (the transaction already holds or will take the write lock),
/// and every way a save ends — success, failure, concurrency conflict — releases the gate.
/// </summary>
internal sealed class SqliteWriteGate : SaveChangesInterceptor, IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<DbContext, byte> _holders = new(ReferenceEqualityComparer.Instance);

    public override async ValueTask<InterceptionResult<int>> SavingChangesAsync(
        DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        if (Gated(eventData))
        {
            await _gate.WaitAsync(cancellationToken);
            _holders[eventData.Context!] = 0;
        }

        return result;
    }

    public override ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        Release(eventData);
        return ValueTask.FromResult(result);
    }

    public override Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Release(eventData);
        return Task.CompletedTask;
    }

    public override ValueTask<InterceptionResult> ThrowingConcurrencyExceptionAsync(
        ConcurrencyExceptionEventData eventData, InterceptionResult result, CancellationToken cancellationToken = default)
    {
        Release(eventData);
        return ValueTask.FromResult(result);
    }

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        if (Gated(eventData))
        {
            _gate.Wait();
            _holders[eventData.Context!] = 0;
        }

        return result;
    }

    public override int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        Release(eventData);
        return result;
    }

    public override void SaveChangesFailed(DbContextErrorEventData eventData) => Release(eventData);

    // A save cancelled (the client hung up) ends without failing: it must leave the line too, or every writer after it
    // — the group-commit writer included — would wait forever.
    public override void SaveChangesCanceled(DbContextEventData eventData) => Release(eventData);

    public override Task SaveChangesCanceledAsync(DbContextEventData eventData, CancellationToken cancellationToken = default)
    {
        Release(eventData);
        return Task.CompletedTask;
    }

    public override InterceptionResult ThrowingConcurrencyException(ConcurrencyExceptionEventData eventData, InterceptionResult result)
    {
        Release(eventData);
        return result;
    }

    /// <summary>
    /// Waits in the same line for writers that do not go through <c>SaveChanges</c> (the group-commit writer's
    /// multi-row inserts); the line is left when the returned value is disposed.
    /// </summary>
    public async ValueTask<Turn> EnterAsync()
    {
        await _gate.WaitAsync();
        return new Turn(_gate);
    }

    /// <summary>A writer's turn in the line.</summary>
    public readonly struct Turn(SemaphoreSlim gate) : IDisposable
    {
        public void Dispose() => gate?.Release();
    }

    private static bool Gated(DbContextEventData eventData) =>
        eventData.Context is { } context && context.Database.CurrentTransaction is null;

    private void Release(DbContextEventData eventData)
    {
        if (eventData.Context is { } context && _holders.TryRemove(context, out _))
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();
}
