using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using TokenService.Data;
using TokenService.Tests.Infrastructure;

namespace TokenService.Tests.Security;

/// <summary>The heartbeat of an instance, under failures it cannot cure itself.</summary>
public sealed class LiveInstancesTests
{
    [Fact]
    public async Task Heartbeat_RefusedByABusyDatabase_IsRetried_AndTheServiceKeepsRunning()
    {
        // Arrange: the next heartbeat fails as SQLite fails a write it waited 30 seconds for.
        var busy = new BusyOnce();
        await using var factory = new TokenServiceFactory(null, null, TestEngine.Sqlite)
        {
            ExtraServices = services => services.ConfigureDbContext<TokenServiceDbContext>(o => o.AddInterceptors(busy)),
        };
        using var client = factory.CreateServiceClient();
        var lifetime = factory.Services.GetRequiredService<IHostApplicationLifetime>();
        busy.Arm();

        // Act: the refused beat, then the one after it.
        await busy.Refused.WaitAsync(TimeSpan.FromSeconds(30));
        await busy.BeatAfterRefusal.WaitAsync(TimeSpan.FromSeconds(30));

        // Assert: still serving (before the fix, the exception left the heartbeat loop and stopped the host).
        Assert.False(lifetime.ApplicationStopping.IsCancellationRequested);
        using var health = await client.SendAsync(HttpMethod.Get, "/health/ready");
        Assert.Equal(System.Net.HttpStatusCode.OK, health.StatusCode);
    }

    /// <summary>Once armed, fails the next heartbeat with SQLITE_BUSY, then reports the heartbeat that follows.</summary>
    private sealed class BusyOnce : DbCommandInterceptor
    {
        private readonly TaskCompletionSource _refused = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _after = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _armed;

        public Task Refused => _refused.Task;

        public Task BeatAfterRefusal => _after.Task;

        public void Arm() => Interlocked.Exchange(ref _armed, 1);

        public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData,
            InterceptionResult<int> result, CancellationToken cancellationToken = default)
        {
            if (command.CommandText.Contains("UPDATE \"ServiceInstances\"", StringComparison.Ordinal))
            {
                if (Interlocked.Exchange(ref _armed, 0) == 1)
                {
                    _refused.TrySetResult();
                    throw new SqliteException("SQLite Error 5: 'database is locked'.", 5);
                }

                if (_refused.Task.IsCompleted)
                {
                    _after.TrySetResult();
                }
            }

            return ValueTask.FromResult(result);
        }
    }
}
