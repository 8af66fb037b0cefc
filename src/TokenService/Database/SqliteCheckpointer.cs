using Microsoft.EntityFrameworkCore;

namespace TokenService.Database;

/// <summary>
/// Moves SQLite's WAL checkpoints off the group-commit writer. By default the connection whose commit takes the WAL
/// past 1,000 pages copies them into the database file and syncs it before its commit returns: under steady issuance
/// that was the writer, many times a second, and every request waiting for a commit waited for the copy too (the tail
/// latency of token issuance). The writer now skips automatic checkpoints (<see cref="Database.TokenInsertBatcher"/>);
/// here, every 100 ms, a passive checkpoint copies what it can while the writer goes on, and once the WAL holds more
/// than <see cref="RestartAfterPages"/> pages a second one runs between two commits (in the writers' line), so
/// that the next commit starts the WAL over and it stays bounded. Durability is unchanged: commits still sync the WAL.
/// </summary>
internal sealed partial class SqliteCheckpointer(
    IServiceScopeFactory scopes, SqliteWriteGate gate, Microsoft.Extensions.Options.IOptions<Options.DatabaseOptions> database,
    ILogger<SqliteCheckpointer> logger)
    : BackgroundService
{
    /// <summary>
    /// About 16 MB of WAL with 4 KB pages. The second checkpoint holds the writers' line while it syncs the database
    /// file, so it runs only once the WAL has grown this much (a few times a second at thousands of tokens a second).
    /// </summary>
    public const int RestartAfterPages = 4_096;

    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (database.Value.Provider != Options.DatabaseProvider.Sqlite)
        {
            return;
        }

        using var timer = new PeriodicTimer(Interval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<Data.TokenServiceDbContext>();
                var pages = await CheckpointAsync(db, stoppingToken);
                if (pages > RestartAfterPages)
                {
                    using var turn = await gate.EnterAsync();
                    await CheckpointAsync(db, stoppingToken);
                }
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // The next tick tries again; meanwhile SQLite's own checkpoints (other connections) still bound the WAL.
                Log.CheckpointFailed(logger, exception);
            }
        }
    }

    /// <summary>A passive checkpoint; returns how many pages the WAL held.</summary>
    private static async Task<long> CheckpointAsync(Data.TokenServiceDbContext db, CancellationToken cancellationToken)
    {
        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA wal_checkpoint(PASSIVE);";
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            return await reader.ReadAsync(cancellationToken) ? reader.GetInt64(1) : 0;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Warning, Message = "A WAL checkpoint failed; retrying.")]
        public static partial void CheckpointFailed(ILogger logger, Exception exception);
    }
}
