using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using TokenService.Data;
using TokenService.Database;
using TokenService.Tests.Infrastructure;

namespace TokenService.Tests.Data;

/// <summary>
/// The production path: no migration at start, readiness failing until `TokenService migrate` has run (on SQLite here;
/// PostgreSqlTests run the same path on PostgreSQL, against a running instance).
/// </summary>
public sealed class MigrateCommandTests
{
    [Fact]
    public async Task WithoutAutoMigrate_ReadyFails_UntilTheMigrateCommandRuns_ThenTheServiceWorks()
    {
        var database = Guid.NewGuid().ToString("N");
        var noAutoMigrate = new Dictionary<string, string?> { ["Database:AutoMigrate"] = "false" };
        try
        {
            await using (var before = new TokenServiceFactory(database, noAutoMigrate, TestEngine.Sqlite))
            {
                using var client = before.CreateServiceClient();
                using var ready = await client.Http.GetAsync("/health/ready");
                using var live = await client.Http.GetAsync("/health/live");
                Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
                Assert.Equal(HttpStatusCode.OK, live.StatusCode);
            }

            var (exitCode, output) = await RunServiceAsync("migrate", database);
            Assert.True(exitCode == 0, output);

            await using var after = new TokenServiceFactory(database, noAutoMigrate, TestEngine.Sqlite);
            using var migrated = after.CreateServiceClient();
            using var nowReady = await migrated.Http.GetAsync("/health/ready");
            Assert.Equal(HttpStatusCode.OK, nowReady.StatusCode);
            var org = await migrated.CreateOrgAsync();
            Assert.True(await migrated.IsActiveAsync(org.Client, await migrated.GetTokenAsync(org.Sandbox)));
        }
        finally
        {
            TestDatabase.DeleteSqlite(database);
        }
    }

    [Fact]
    public async Task ReadyCheck_WhenTheDatabaseCannotBeOpened_IsUnhealthy()
    {
        var options = new DbContextOptionsBuilder<TokenServiceDbContext>()
            .UseSqlite($"Data Source={Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"), "missing", "x.db")};Mode=ReadWrite",
                TokenService.Migrations.Sqlite.Provider.Configure)
            .UseOpenIddict().Options;
        await using var db = new TokenServiceDbContext(options);

        var result = await new DatabaseReadyCheck(db).CheckHealthAsync(new HealthCheckContext());

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
    }

    /// <summary>Runs the built service binary's command (beside the tests) as an operator would.</summary>
    private static async Task<(int ExitCode, string Output)> RunServiceAsync(string arguments, string database)
    {
        var environment = ServiceProcess.BaseEnvironment();
        environment["ConnectionStrings__TokenService"] = $"Data Source={TestDatabase.SqlitePath(database)}";
        environment["Database__AutoMigrate"] = "false";
        var (exitCode, stdout, stderr) = await ServiceProcess.RunToExitAsync([arguments], environment);
        return (exitCode, stdout + stderr);
    }
}
