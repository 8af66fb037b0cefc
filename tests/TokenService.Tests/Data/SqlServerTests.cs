using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TokenService.Data;
using TokenService.Maintenance;
using TokenService.Tests.Infrastructure;

namespace TokenService.Tests.Data;

/// <summary>
/// The production engine, for real, in a Testcontainers SQL Server: migrations, the main flows, two instances and
/// pruning. Skipped with the reason where no Docker engine answers; the whole suite also runs on SQL Server with
/// <c>TOKENSERVICE_TEST_DATABASE=SqlServer</c>.
/// </summary>
public sealed class SqlServerTests
{
    [SqlServerFact]
    public async Task Migrations_OnAnEmptySqlServerDatabase_ApplyAndTheServiceIsReady()
    {
        await using var factory = new TokenServiceFactory(null, null, TestEngine.SqlServer);
        using var client = factory.CreateServiceClient();

        using var ready = await client.Http.GetAsync("/health/ready");

        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TokenServiceDbContext>();
        Assert.True(db.Database.IsSqlServer());
        Assert.Empty(await db.Database.GetPendingMigrationsAsync());
    }

    [SqlServerFact]
    public async Task ClientAndUserFlows_OnSqlServer_Work()
    {
        await using var factory = new TokenServiceFactory(null, null, TestEngine.SqlServer);
        using var client = factory.CreateServiceClient();
        var org = await client.CreateOrgAsync();
        await client.CreateAppUserAsync(org, "sandbox", "bob");

        var appToken = await client.GetTokenAsync(org.Sandbox);
        var user = await client.PasswordTokenAsync($"/{org.Name}/sandbox/token", "bob");
        using var refreshed = await client.PostFormAsync($"/{org.Name}/sandbox/token", null,
            ("grant_type", "refresh_token"), ("refresh_token", user.GetProperty("refresh_token").GetString()!));
        using var revoke = await client.SendAsync(HttpMethod.Post, $"/management/orgs/{org.Name}/apps/sandbox/revoketokens", ServiceClient.BasicOf(org.Client));

        Assert.Equal(HttpStatusCode.OK, refreshed.StatusCode);
        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        Assert.False(await client.IsActiveAsync(org.Client, appToken));
        Assert.False(await client.IsActiveAsync(org.Client, user.GetProperty("access_token").GetString()!));
    }

    [SqlServerFact]
    public async Task TwoInstances_OnOneSqlServerDatabase_ShareKeysAndRevocations()
    {
        var database = Guid.NewGuid().ToString("N");
        await using var first = new TokenServiceFactory(database, null, TestEngine.SqlServer);
        await using var second = new TokenServiceFactory(database, null, TestEngine.SqlServer);
        using var a = first.CreateServiceClient();
        using var b = second.CreateServiceClient();
        var org = await a.CreateOrgAsync();
        var token = await a.GetTokenAsync(org.Sandbox);

        Assert.True(await b.IsActiveAsync(org.Client, token));
        using var revoke = await b.RevokeAsync(org.Sandbox, token);
        Assert.False(await a.IsActiveAsync(org.Client, token));
    }

    [SqlServerFact]
    public async Task Pruning_OnSqlServer_DeletesExpiredKeepsLive()
    {
        await using var factory = new TokenServiceFactory(null, new Dictionary<string, string?> { ["Pruning:BatchSize"] = "2", ["Pruning:MinimumAge"] = "00:01:00" }, TestEngine.SqlServer);
        using var client = factory.CreateServiceClient();
        var org = await client.CreateOrgAsync();
        for (var i = 0; i < 3; i++)
        {
            await client.GetTokenResponseAsync(org.Sandbox, ("ttl", "1000"));
        }

        var live = await client.GetTokenAsync(org.Sandbox);
        factory.Clock.Advance(TimeSpan.FromMinutes(2));

        var deleted = await factory.Services.GetRequiredService<TokenPruner>().PruneOnceAsync(CancellationToken.None);

        Assert.Equal(3, deleted);
        Assert.True(await client.IsActiveAsync(org.Client, live));
    }
}
