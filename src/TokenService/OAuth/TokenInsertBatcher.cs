using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using OpenIddict.EntityFrameworkCore.Models;
using TokenService.Data;
using TokenService.Data.Entities;

namespace TokenService.OAuth;

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
    private readonly Task _writer;

    public TokenInsertBatcher(IServiceScopeFactory scopes, ILogger<TokenInsertBatcher> logger)
    {
        _scopes = scopes;
        _logger = logger;
        _writer = Task.Run(WriteLoopAsync);
    }

    /// <summary>
    /// Completes once the token's row — and its audit event, in the same transaction — is committed; throws if it
    /// could not be.
    /// </summary>
    public Task InsertAsync(OpenIddictEntityFrameworkCoreToken token, string? applicationId, AuditEvent? audit = null)
    {
        ArgumentNullException.ThrowIfNull(token);
        return Enqueue(new Pending(token, applicationId, audit, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)));
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
        foreach (var pending in batch)
        {
            // A copy without navigations: the original belongs to the request's context (its application entity is
            // tracked there), so only the foreign key crosses over.
            if (pending.Token is { } token)
            {
                var entry = db.Add(Copy(token));
                entry.Property(ApplicationForeignKey).CurrentValue = pending.ApplicationId;
            }

            // Copied too: a failed batch is retried row by row in a fresh context.
            if (pending.Audit is { } audit)
            {
                db.AuditEvents.Add(new AuditEvent
                {
                    At = audit.At, OrganizationId = audit.OrganizationId, Kind = audit.Kind, Actor = audit.Actor,
                    Target = audit.Target, Detail = audit.Detail, Address = audit.Address,
                });
            }
        }

        await db.SaveChangesAsync();
    }

    private const string ApplicationForeignKey = nameof(OpenIddictEntityFrameworkCoreToken.Application) + nameof(OpenIddictEntityFrameworkCoreApplication.Id);

    private static OpenIddictEntityFrameworkCoreToken Copy(OpenIddictEntityFrameworkCoreToken token) => new()
    {
        Id = token.Id,
        ConcurrencyToken = token.ConcurrencyToken,
        CreationDate = token.CreationDate,
        ExpirationDate = token.ExpirationDate,
        Payload = token.Payload,
        Properties = token.Properties,
        RedemptionDate = token.RedemptionDate,
        ReferenceId = token.ReferenceId,
        Status = token.Status,
        Subject = token.Subject,
        Type = token.Type,
    };

    public async ValueTask DisposeAsync()
    {
        // Rows already queued are still written: their requests are waiting for them.
        _queue.Writer.TryComplete();
        await _writer;
    }

    private sealed record Pending(OpenIddictEntityFrameworkCoreToken? Token, string? ApplicationId, AuditEvent? Audit, TaskCompletionSource Committed);

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Error, Message = "A new token could not be stored.")]
        public static partial void InsertFailed(ILogger logger, Exception exception);
    }
}
