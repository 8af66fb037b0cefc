using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.EntityFrameworkCore.Models;
using TokenService.Data;
using TokenService.Maintenance;
using TokenService.Tests.Infrastructure;

namespace TokenService.Tests.Data;

/// <summary>Expired and revoked tokens disappear in batches; live ones stay, even with two instances pruning at once.</summary>
public sealed class PruningTests
{
    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["Pruning:Enabled"] = "false",
        ["Pruning:BatchSize"] = "2",
        ["Pruning:MinimumAge"] = "00:01:00",
    };

    [Fact]
    public async Task PruneBatches_OnSqlite_WalkAnIndexAndStopAtTheBatch_NeverSortingEveryMatch()
    {
        // Arrange: the pruner's four batch queries, as the database will plan them.
        await using var factory = new TokenServiceFactory(null, Settings, TestEngine.Sqlite);
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TokenServiceDbContext>();
        var now = DateTime.UtcNow;
        var queries = new[]
        {
            TokenPruner.ExpiredTokens(db, now).Take(10_000).ToQueryString(),
            TokenPruner.RevokedTokens(db, now).Take(10_000).ToQueryString(),
            TokenPruner.OldAuditEvents(db, 0).Take(10_000).ToQueryString(),
            TokenPruner.ExpiredCounters(db, 0).Take(10_000).ToQueryString(),
        };

        // Act
        var plans = new List<string>();
        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync();
        foreach (var query in queries)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "EXPLAIN QUERY PLAN " + query[query.IndexOf("SELECT", StringComparison.Ordinal)..];
            foreach (var line in query.Split('\n').TakeWhile(l => l.StartsWith(".param set", StringComparison.Ordinal)))
            {
                var parts = line.Split(' ', 4);
                var parameter = command.CreateParameter();
                parameter.ParameterName = parts[2];
                parameter.Value = parts[3].Trim('\'');
                command.Parameters.Add(parameter);
            }

            await using var reader = await command.ExecuteReaderAsync();
            var steps = new List<string>();
            while (await reader.ReadAsync())
            {
                steps.Add(reader.GetString(3));
            }

            plans.Add(string.Join(" | ", steps));
        }

        // Assert: an index range, and no sort of the matches (a sort reads every expired row before the first delete).
        Assert.All(plans, plan =>
        {
            Assert.Contains("USING INDEX", plan, StringComparison.Ordinal);
            Assert.DoesNotContain("TEMP B-TREE", plan, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task PruneOnce_DeletesExpiredAndRevokedInBatches_KeepsLiveTokens()
    {
        await using var factory = new TokenServiceFactory(null, Settings);
        using var client = factory.CreateServiceClient();
        var (org, live, doomed) = await IssueAsync(client);

        factory.Clock.Advance(TimeSpan.FromMinutes(2));
        var deleted = await factory.Services.GetRequiredService<TokenPruner>().PruneOnceAsync(CancellationToken.None);

        Assert.Equal(doomed.Count, deleted);
        Assert.Equal(live.Count, await CountTokensAsync(factory));
        foreach (var token in live)
        {
            Assert.True(await client.IsActiveAsync(org.Client, token));
        }
    }

    [Fact]
    public async Task PruneOnce_AuditEventsPastRetention_AreDeleted_NewerOnesKept()
    {
        await using var factory = new TokenServiceFactory(null, new Dictionary<string, string?>(Settings) { ["Pruning:AuditRetention"] = "2.00:00:00" });
        using var client = factory.CreateServiceClient();
        await IssueAsync(client);
        var old = await CountAuditsAsync(factory);

        factory.Clock.Advance(TimeSpan.FromDays(1));
        await IssueAsync(client);
        var all = await CountAuditsAsync(factory);
        factory.Clock.Advance(TimeSpan.FromDays(1.5));
        await factory.Services.GetRequiredService<TokenPruner>().PruneOnceAsync(CancellationToken.None);

        Assert.True(old > 0);
        Assert.Equal(all - old, await CountAuditsAsync(factory));
    }

    [Fact]
    public async Task BackgroundLoop_OnEachTickOfTheClock_PrunesByItself()
    {
        // Arrange: pruning on, every 10 s of the host's (fake) clock; nothing calls the pruner directly.
        await using var factory = new TokenServiceFactory(null, new Dictionary<string, string?>(Settings)
        {
            ["Pruning:Enabled"] = "true",
            ["Pruning:Interval"] = "00:00:10",
        });
        using var client = factory.CreateServiceClient();
        var (_, live, doomed) = await IssueAsync(client);
        var before = await CountTokensAsync(factory);

        // Act: past the minimum age, then one tick of the timer; the loop runs on the thread pool, so the test waits
        // (in real time, bounded) for its delete to land.
        factory.Clock.Advance(TimeSpan.FromMinutes(2));
        factory.Clock.Advance(TimeSpan.FromSeconds(10));
        var remaining = before;
        for (var attempt = 0; attempt < 100 && remaining != live.Count; attempt++)
        {
            await Task.Delay(50);
            remaining = await CountTokensAsync(factory);
        }

        // Assert
        Assert.Equal(live.Count + doomed.Count, before);
        Assert.Equal(live.Count, remaining);
    }

    private static async Task<int> CountAuditsAsync(TokenServiceFactory factory)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<TokenServiceDbContext>().AuditEvents.CountAsync();
    }

    [Fact]
    public async Task PruneOnce_BeforeMinimumAge_DeletesNothing()
    {
        await using var factory = new TokenServiceFactory(null, Settings);
        using var client = factory.CreateServiceClient();
        var (_, live, doomed) = await IssueAsync(client);

        var deleted = await factory.Services.GetRequiredService<TokenPruner>().PruneOnceAsync(CancellationToken.None);

        Assert.Equal(0, deleted);
        Assert.Equal(live.Count + doomed.Count, await CountTokensAsync(factory));
    }

    [Fact]
    public async Task PruneOnce_OnTwoInstancesAtOnce_OnlyOnePrunesAndNothingLiveIsLost()
    {
        var path = Guid.NewGuid().ToString("N");
        try
        {
            await using var first = new TokenServiceFactory(path, Settings);
            await using var second = new TokenServiceFactory(path, Settings);
            using var client = first.CreateServiceClient();
            using var other = second.CreateServiceClient();
            var (org, live, doomed) = await IssueAsync(client);
            first.Clock.Advance(TimeSpan.FromMinutes(2));
            second.Clock.Advance(TimeSpan.FromMinutes(2));

            var results = await Task.WhenAll(
                first.Services.GetRequiredService<TokenPruner>().PruneOnceAsync(CancellationToken.None),
                second.Services.GetRequiredService<TokenPruner>().PruneOnceAsync(CancellationToken.None));

            Assert.Equal(doomed.Count, results.Sum());
            Assert.Contains(0, results);
            foreach (var token in live)
            {
                Assert.True(await other.IsActiveAsync(org.Client, token));
            }
        }
        finally
        {
            TestDatabase.DeleteSqlite(path);
        }
    }

    /// <summary>Five tokens that must go (three expired, two revoked) and three that must stay.</summary>
    private static async Task<(TestOrg Org, List<string> Live, List<string> Doomed)> IssueAsync(ServiceClient client)
    {
        var org = await client.CreateOrgAsync();
        var doomed = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            doomed.Add((await client.GetTokenResponseAsync(org.Sandbox, ("ttl", "1000"))).GetProperty("access_token").GetString()!);
        }

        for (var i = 0; i < 2; i++)
        {
            var token = await client.GetTokenAsync(org.Sandbox);
            using var revoke = await client.RevokeAsync(org.Sandbox, token);
            doomed.Add(token);
        }

        var live = new List<string> { await client.GetTokenAsync(org.Sandbox), await client.GetTokenAsync(org.Client) };
        using var put = await client.SendAsync(HttpMethod.Put, $"/management/orgs/{org.Name}/apps/sandbox", ServiceClient.BasicOf(org.Client), new { accesstokenttl = 0 });
        live.Add(await client.GetTokenAsync(org.Sandbox));
        return (org, live, doomed);
    }

    private static async Task<int> CountTokensAsync(TokenServiceFactory factory)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<TokenServiceDbContext>().Set<OpenIddictEntityFrameworkCoreToken>().CountAsync();
    }
}
