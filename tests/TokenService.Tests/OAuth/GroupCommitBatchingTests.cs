using System.Collections.Concurrent;
using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.EntityFrameworkCore.Models;
using TokenService.Data;
using TokenService.Database;
using TokenService.Tests.Infrastructure;

namespace TokenService.Tests.OAuth;

/// <summary>
/// Group commit, step by step: the writer is held inside its save while rows queue up behind it, so which rows share a
/// commit is decided by the test, not by timing. A host of its own (its saves are watched).
/// </summary>
public sealed class GroupCommitBatchingTests : IAsyncLifetime
{
    private readonly SaveGate _gate = new();
    private readonly TokenServiceFactory _factory;
    private string _applicationId = "";

    public GroupCommitBatchingTests() =>
        _factory = new TokenServiceFactory(null, null)
        {
            ExtraServices = services => services.ConfigureDbContext<TokenServiceDbContext>(o => o.AddInterceptors(_gate)),
        };

    public async Task InitializeAsync()
    {
        using var client = _factory.CreateServiceClient();
        var org = await client.CreateOrgAsync();
        await using var scope = _factory.Services.CreateAsyncScope();
        _applicationId = (await scope.ServiceProvider.GetRequiredService<TokenServiceDbContext>().Set<OpenIddictEntityFrameworkCoreApplication>()
            .AsNoTracking().FirstAsync(a => a.ClientId == org.Sandbox.ClientId)).Id!;
    }

    [Fact]
    public async Task RowsQueuedWhileACommitRuns_ShareTheNextCommit_AndNoneIsAnsweredBeforeItsOwn()
    {
        // Arrange
        var batcher = _factory.Services.GetRequiredService<TokenInsertBatcher>();
        _gate.Hold();

        // Act: one row reaches the writer and is held in its save; two more queue behind it.
        var first = batcher.InsertAsync(Row(), _applicationId);
        await _gate.WaitUntilHeldAsync();
        var second = batcher.InsertAsync(Row(), _applicationId);
        var third = batcher.InsertAsync(Row(), _applicationId);
        await Task.Delay(100); // time for anything that would answer early to do so
        var answeredWhileHeld = (first.IsCompleted, second.IsCompleted, third.IsCompleted);
        _gate.Release();
        await Task.WhenAll(first, second, third);

        // Assert: three rows, two commits — the held one, then the two that waited, together.
        Assert.Equal((false, false, false), answeredWhileHeld);
        Assert.Equal([1, 2], _gate.TokenRowsPerSave.ToArray());
        Assert.Equal(3, await CountAsync());
    }

    [Fact]
    public async Task ABatchWithARowThatCannotBeStored_IsSplit_TheBadRowFailsAlone()
    {
        // Arrange: a row already stored, so that a second copy of it cannot be.
        var batcher = _factory.Services.GetRequiredService<TokenInsertBatcher>();
        var stored = Row();
        await batcher.InsertAsync(stored, _applicationId);
        _gate.Forget();
        _gate.Hold();

        // Act: the writer held on a first row; a good row and the duplicate queue behind it and share the next batch.
        var held = batcher.InsertAsync(Row(), _applicationId);
        await _gate.WaitUntilHeldAsync();
        var good = batcher.InsertAsync(Row(), _applicationId);
        var duplicate = batcher.InsertAsync(new OpenIddictEntityFrameworkCoreToken { Id = stored.Id, Type = "test", Status = "valid" }, _applicationId);
        _gate.Release();

        // Assert: the shared batch failed, then each row was written alone: the good one commits, the duplicate throws.
        await held;
        await good;
        await Assert.ThrowsAnyAsync<DbUpdateException>(() => duplicate);
        Assert.Equal([1, 2, 1, 1], _gate.TokenRowsPerSave.ToArray());
        Assert.Equal(3, await CountAsync());
    }

    private static OpenIddictEntityFrameworkCoreToken Row() => new() { Id = Guid.NewGuid().ToString(), Type = "test", Status = "valid" };

    private async Task<int> CountAsync()
    {
        await using var scope = _factory.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<TokenServiceDbContext>().Set<OpenIddictEntityFrameworkCoreToken>()
            .CountAsync(t => t.Type == "test");
    }

    public async Task DisposeAsync()
    {
        _gate.Release();
        await _factory.DisposeAsync();
    }

    /// <summary>Records how many test token rows each insert statement of the writer carries, and can hold the next one until released.</summary>
    private sealed class SaveGate : DbCommandInterceptor
    {
        private volatile TaskCompletionSource? _release;
        private readonly TaskCompletionSource _held = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ConcurrentQueue<int> TokenRowsPerSave { get; private set; } = new();

        public void Hold() => _release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Release() => _release?.TrySetResult();

        public void Forget() => TokenRowsPerSave = new ConcurrentQueue<int>();

        public Task WaitUntilHeldAsync() => _held.Task.WaitAsync(TimeSpan.FromSeconds(10));

        public override async ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData,
            InterceptionResult<int> result, CancellationToken cancellationToken = default)
        {
            // One parameter per row carries the test rows' type.
            var rows = command.CommandText.StartsWith("INSERT INTO \"OpenIddictTokens\"", StringComparison.Ordinal)
                ? command.Parameters.Cast<DbParameter>().Count(p => "test".Equals(p.Value))
                : 0;
            if (rows == 0)
            {
                return result;
            }

            TokenRowsPerSave.Enqueue(rows);
            if (_release is { Task.IsCompleted: false } release)
            {
                _held.TrySetResult();
                await release.Task;
            }

            return result;
        }
    }
}
