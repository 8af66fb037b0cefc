using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using TokenService.Data;
using TokenService.Tests.Infrastructure;

namespace TokenService.Tests.Data;

/// <summary>
/// The server database that runs on this machine, for real: a throwaway PostgreSQL started from the installed
/// binaries. Migrations (EF Core's and the idempotent script), every endpoint, pruning, two instances on one database,
/// the migrate command against a running instance, and a database that is down at start and goes down later.
/// </summary>
public sealed class PostgreSqlTests
{
    [PostgreSqlFact]
    public async Task Migrations_OnAnEmptyDatabase_ApplyAndTheServiceIsReady()
    {
        await using var factory = new TokenServiceFactory(null, null, TestEngine.PostgreSql);
        using var client = factory.CreateServiceClient();

        using var ready = await client.Http.GetAsync("/health/ready");

        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TokenServiceDbContext>();
        Assert.True(db.Database.IsNpgsql());
        Assert.Empty(await db.Database.GetPendingMigrationsAsync());
    }

    [PostgreSqlFact]
    public async Task Tour_OnPostgreSql_EveryEndpointAndPruningWork()
    {
        await using var factory = new TokenServiceFactory(null, null, TestEngine.PostgreSql);

        await ServiceTour.RunAsync(factory);
    }

    [PostgreSqlFact]
    public async Task TwoInstances_OnOneDatabase_ShareKeysRevocationsAndSecrets()
    {
        // Arrange
        var database = Guid.NewGuid().ToString("N");
        await using var first = new TokenServiceFactory(database, null, TestEngine.PostgreSql);
        await using var second = new TokenServiceFactory(database, null, TestEngine.PostgreSql);
        using var a = first.CreateServiceClient();
        using var b = second.CreateServiceClient();
        var org = await a.CreateOrgAsync();
        var token = await a.GetTokenAsync(org.Sandbox);

        // Act
        var activeOnSecond = await b.IsActiveAsync(org.Client, token);
        using var revoke = await b.RevokeAsync(org.Sandbox, token);

        // Assert
        Assert.True(activeOnSecond);
        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        Assert.False(await a.IsActiveAsync(org.Client, token));
    }

    [PostgreSqlFact]
    public async Task IdempotentScript_AppliedTwiceToAnEmptyDatabase_GivesTheSchemaOfTheMigrations()
    {
        // Arrange
        var connection = PostgresServer.Instance.ConnectionString("ts_script_" + Guid.NewGuid().ToString("N")[..12]);
        var script = await File.ReadAllTextAsync(Path.Combine(MigrationsTests.RepositoryRoot(), "migrations", "postgresql-idempotent.sql"));
        await CreateDatabaseAsync(connection);

        // Act: twice, as a DBA re-running a release's script would.
        for (var run = 0; run < 2; run++)
        {
            await using var session = new NpgsqlConnection(connection);
            await session.OpenAsync();
            await using var command = new NpgsqlCommand(script, session);
            await command.ExecuteNonQueryAsync();
        }

        // Assert
        await using var db = new TokenServiceDbContext(new DbContextOptionsBuilder<TokenServiceDbContext>()
            .UseNpgsql(connection, TokenService.Migrations.PostgreSql.Provider.Configure).UseOpenIddict().Options);
        Assert.Empty(await db.Database.GetPendingMigrationsAsync());
        Assert.Equal(0, await db.FailureCounters.CountAsync());
        Assert.Equal(0, await db.Set<OpenIddict.EntityFrameworkCore.Models.OpenIddictEntityFrameworkCoreToken>().CountAsync());
    }

    /// <summary>
    /// A rolling release: an instance of the new build starts before its migrations are applied and is sent traffic.
    /// It answers 503 (not 500) and is not ready; once the migrate command has run, it becomes ready by itself.
    /// </summary>
    [PostgreSqlFact]
    public async Task InstanceStartedBeforeMigrate_AnswersUnavailable_ThenRecoversByItselfOnceMigrated()
    {
        // Arrange
        var environment = ServiceProcess.BaseEnvironment();
        environment["Database__Provider"] = "PostgreSql";
        environment["ConnectionStrings__TokenService"] = PostgresServer.Instance.ConnectionString("ts_rolling_" + Guid.NewGuid().ToString("N")[..12]);
        await CreateDatabaseAsync(environment["ConnectionStrings__TokenService"]!);
        using var service = await ServiceProcess.StartAsync(environment, waitUntilReady: false);
        await WaitUntilAnsweringAsync(service);

        // Act: traffic before the migration, then the migration, then traffic again on the same process.
        using var before = await service.Http.PostAsync("/token", Form(("grant_type", "client_credentials")));
        var beforeBody = await before.Content.ReadFromJsonAsync<JsonElement>();
        using var readyBefore = await service.Http.GetAsync("/health/ready");
        var readyBeforeText = await readyBefore.Content.ReadAsStringAsync();
        var (exitCode, stdout, stderr) = await ServiceProcess.RunToExitAsync(["migrate"], environment);
        var readyAfter = await WaitForReadyAsync(service);
        using var client = new ServiceClient(service.Http);
        var org = await client.CreateOrgAsync();
        var token = await client.GetTokenAsync(org.Sandbox);

        // Assert
        Assert.Equal(HttpStatusCode.ServiceUnavailable, before.StatusCode);
        Assert.Equal("temporarily_unavailable", beforeBody.GetProperty("error").GetString());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, readyBefore.StatusCode);
        Assert.Contains("pending", readyBeforeText, StringComparison.Ordinal);
        Assert.True(exitCode == 0, stdout + stderr);
        Assert.True(readyAfter, service.Output);
        Assert.True(await client.IsActiveAsync(org.Client, token));
    }

    /// <summary>
    /// The database is down when the service starts, comes up, then goes down under traffic and comes back: the
    /// process stays up throughout, says why it is not ready, answers 503 with a JSON error while the database is
    /// away, recovers without a restart, and every token it acknowledged is still active afterwards.
    /// </summary>
    [PostgreSqlFact]
    public async Task DatabaseDownAtStartAndLater_ServiceStaysUpAnswers503AndRecovers()
    {
        // Arrange: a server of this test's own, stopped before the service starts.
        using var server = PostgresServer.StartNew();
        var environment = ServiceProcess.BaseEnvironment();
        environment["Database__Provider"] = "PostgreSql";
        environment["Database__AutoMigrate"] = "true";
        environment["ConnectionStrings__TokenService"] = server.ConnectionString("tokenservice");
        server.Stop();
        using var service = await ServiceProcess.StartAsync(environment, waitUntilReady: false);
        await WaitUntilAnsweringAsync(service);

        // Act 1: down at start.
        using var readyWhileDown = await service.Http.GetAsync("/health/ready");
        var readyWhileDownText = await readyWhileDown.Content.ReadAsStringAsync();
        server.Restart();
        var readyOnceUp = await WaitForReadyAsync(service);
        using var client = new ServiceClient(service.Http);
        var org = await client.CreateOrgAsync();
        var acknowledged = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            acknowledged.Add(await client.GetTokenAsync(org.Sandbox));
        }

        // Act 2: down under traffic.
        server.Stop();
        using var tokenWhileDown = await client.RequestTokenAsync(org.Sandbox);
        var tokenWhileDownBody = await tokenWhileDown.Content.ReadFromJsonAsync<JsonElement>();
        using var introspectWhileDown = await client.PostFormAsync("/introspect", ServiceClient.BasicOf(org.Client), ("token", acknowledged[0]));
        using var readyLater = await service.Http.GetAsync("/health/ready");
        var readyLaterText = await readyLater.Content.ReadAsStringAsync();
        server.Restart();
        var recovered = await WaitForAsync(async () =>
        {
            using var response = await client.RequestTokenAsync(org.Sandbox);
            return response.StatusCode == HttpStatusCode.OK;
        });

        // Assert
        Assert.Equal(HttpStatusCode.ServiceUnavailable, readyWhileDown.StatusCode);
        Assert.Contains("database", readyWhileDownText, StringComparison.Ordinal);
        Assert.True(readyOnceUp, service.Output);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, tokenWhileDown.StatusCode);
        Assert.Equal("temporarily_unavailable", tokenWhileDownBody.GetProperty("error").GetString());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, introspectWhileDown.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, readyLater.StatusCode);
        Assert.Contains("database", readyLaterText, StringComparison.Ordinal);
        Assert.True(recovered, service.Output);
        Assert.False(service.HasExited);
        foreach (var token in acknowledged)
        {
            Assert.True(await client.IsActiveAsync(org.Client, token));
        }
    }

    private static FormUrlEncodedContent Form(params (string Key, string Value)[] fields) =>
        new(fields.Select(f => new KeyValuePair<string, string>(f.Key, f.Value)));

    private static async Task CreateDatabaseAsync(string connectionString)
    {
        var target = new NpgsqlConnectionStringBuilder(connectionString);
        var admin = new NpgsqlConnectionStringBuilder(connectionString) { Database = "postgres", Pooling = false };
        await using var session = new NpgsqlConnection(admin.ConnectionString);
        await session.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE \"{target.Database}\"", session);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task WaitUntilAnsweringAsync(ServiceProcess service) =>
        Assert.True(await WaitForAsync(async () =>
        {
            using var live = await service.Http.GetAsync("/health/live");
            return live.IsSuccessStatusCode;
        }), service.Output);

    private static Task<bool> WaitForReadyAsync(ServiceProcess service) => WaitForAsync(async () =>
    {
        using var ready = await service.Http.GetAsync("/health/ready");
        return ready.IsSuccessStatusCode;
    });

    private static async Task<bool> WaitForAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if (await condition())
                {
                    return true;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(200);
        }

        return false;
    }
}
