using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using OpenIddict.EntityFrameworkCore.Models;
using TokenService.Data;
using TokenService.Data.Entities;

namespace TokenService.Database;

/// <summary>
/// Group commit for new tokens: rows issued by concurrent requests are inserted together, in one transaction, by one
/// writer. Each request still waits for the commit that holds its row before it is answered, so a token the service
/// has answered with is durable — only the cost of a commit is shared. While one batch commits, the next one gathers.
/// Revocations and every other write stay synchronous in their own request: this path only ever inserts new rows
/// (tokens and audit events).
/// </summary>
public sealed partial class TokenInsertBatcher : IAsyncDisposable
{
    /// <summary>Large enough to absorb any burst of this host's request concurrency, small enough to keep commits short.</summary>
    public const int MaxBatch = 256;

    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(
        new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = false });
    private readonly IServiceScopeFactory _scopes;
    private readonly ILogger<TokenInsertBatcher> _logger;
    private readonly Telemetry.ServiceMetrics _metrics;
    private readonly Task _writer;

    public TokenInsertBatcher(IServiceScopeFactory scopes, ILogger<TokenInsertBatcher> logger, Telemetry.ServiceMetrics metrics)
    {
        _scopes = scopes;
        _logger = logger;
        _metrics = metrics;
        _writer = Task.Run(WriteLoopAsync);
    }

    /// <summary>
    /// Completes once the token's row — and its audit event, in the same transaction — is committed; throws if it
    /// could not be. <paramref name="verifiedSecretHash"/> is the stored hash the client's secret was verified against
    /// for this token (none for a public client): see <see cref="Database.ReplacedSecrets"/>.
    /// </summary>
    public Task InsertAsync(OpenIddictEntityFrameworkCoreToken token, string? applicationId, AuditEvent? audit = null, string? verifiedSecretHash = null)
    {
        ArgumentNullException.ThrowIfNull(token);
        return Enqueue(new Pending(token, applicationId, audit, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously))
        {
            VerifiedSecretHash = verifiedSecretHash,
        });
    }

    /// <summary>Completes once the audit event is committed.</summary>
    public Task InsertAsync(AuditEvent audit)
    {
        ArgumentNullException.ThrowIfNull(audit);
        return Enqueue(new Pending(null, null, audit, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)));
    }

    private Task Enqueue(Pending pending)
    {
        if (!_queue.Writer.TryWrite(pending))
        {
            throw new InvalidOperationException("The service is stopping: no new token can be stored.");
        }

        // Not cancellable on purpose: a row handed to the writer may be committed whatever the caller does next, and
        // the caller must not be told otherwise.
        return pending.Committed.Task;
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<Pending>(MaxBatch);
        while (await _queue.Reader.WaitToReadAsync())
        {
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var next))
            {
                batch.Add(next);
            }

            try
            {
                await WriteAsync(batch);
                batch.ForEach(static p => p.Committed.TrySetResult());
            }
            catch (Exception) when (batch.Count > 1)
            {
                // One bad row must not fail its neighbours: write them one by one, each answered with its own outcome.
                foreach (var pending in batch)
                {
                    await WriteOneAsync(pending);
                }
            }
            catch (Exception exception)
            {
                batch[0].Committed.TrySetException(exception);
            }

            batch.Clear();
        }
    }

    private async Task WriteOneAsync(Pending pending)
    {
        try
        {
            await WriteAsync([pending]);
            pending.Committed.TrySetResult();
        }
        catch (Exception exception)
        {
            Log.InsertFailed(_logger, exception);
            pending.Committed.TrySetException(exception);
        }
    }

    private async Task WriteAsync(IReadOnlyList<Pending> batch)
    {
        await using var scope = _scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TokenServiceDbContext>();
        var tokens = batch.Where(static p => p.Token is not null).ToList();
        var audits = batch.Where(static p => p.Audit is not null).Select(static p => p.Audit!).ToList();

        // SQLite has one writer: this process's writers wait in one line rather than in SQLite's busy-sleep.
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var gate = db.Database.IsSqlite() ? scope.ServiceProvider.GetRequiredService<SqliteWriteGate>() : null;
        using var turn = gate is null ? default : await gate.EnterAsync();
        await db.Database.OpenConnectionAsync();
        try
        {
            if (gate is not null)
            {
                // Checkpoints are the background checkpointer's (Database.SqliteCheckpointer), not this writer's. Writers
                // outside the line (ExecuteUpdate, explicit transactions) hold the lock briefly: SQLite's own busy
                // handler waits for them in steps of milliseconds, where Microsoft.Data.Sqlite's retry sleeps 150 ms.
                await db.Database.ExecuteSqlRawAsync("PRAGMA wal_autocheckpoint=0; PRAGMA busy_timeout=5000;");
            }

            await using var transaction = await db.Database.BeginTransactionAsync();
            await ReplacedSecrets.RevokeTokensOfReplacedSecretsAsync(db, tokens);
            using var parameters = db.Database.GetDbConnection().CreateCommand();
            var statements = RowInserter.For<OpenIddictEntityFrameworkCoreToken>(db).Statements(parameters, tokens, TokenValue)
                .Concat(RowInserter.For<AuditEvent>(db).Statements(parameters, audits, AuditValue));
            foreach (var (sql, values) in statements)
            {
                await db.Database.ExecuteSqlRawAsync(sql, values);
            }

            await transaction.CommitAsync();
            if (tokens.Count > 0)
            {
                // Token commits only: batches of audit events alone (a wave of failed sign-ins) would skew the sizes.
                _metrics.Committed(tokens.Count, System.Diagnostics.Stopwatch.GetElapsedTime(started));
            }

            _metrics.AuditEventsWritten(audits.Count);
            if (gate is not null)
            {
                // The setting lives on the pooled connection: whoever uses it next gets SQLite's default back.
                await db.Database.ExecuteSqlRawAsync("PRAGMA wal_autocheckpoint=1000;");
            }
        }
        catch (System.Data.Common.DbException exception)
        {
            // Callers see what SaveChanges would have thrown (and the failure's own exception inside it).
            throw new DbUpdateException("New rows could not be stored.", exception);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private static object? TokenValue(Pending pending, IProperty property)
    {
        var token = pending.Token!;
        return property.Name switch
        {
            ApplicationForeignKey => pending.ApplicationId,
            AuthorizationForeignKey => null,
            _ => property.GetGetter().GetClrValue(token),
        };
    }

    private static object? AuditValue(AuditEvent audit, IProperty property) => property.GetGetter().GetClrValue(audit);

    private const string ApplicationForeignKey = nameof(OpenIddictEntityFrameworkCoreToken.Application) + nameof(OpenIddictEntityFrameworkCoreApplication.Id);
    private const string AuthorizationForeignKey = nameof(OpenIddictEntityFrameworkCoreToken.Authorization) + nameof(OpenIddictEntityFrameworkCoreAuthorization.Id);

    public async ValueTask DisposeAsync()
    {
        // Rows already queued are still written: their requests are waiting for them.
        _queue.Writer.TryComplete();
        await _writer;
    }

    internal sealed record Pending(OpenIddictEntityFrameworkCoreToken? Token, string? ApplicationId, AuditEvent? Audit, TaskCompletionSource Committed)
    {
        public string? VerifiedSecretHash { get; init; }
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Error, Message = "A new token could not be stored.")]
        public static partial void InsertFailed(ILogger logger, Exception exception);
    }
}
