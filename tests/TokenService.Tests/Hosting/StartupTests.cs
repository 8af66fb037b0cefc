using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using TokenService.Tests.Infrastructure;

namespace TokenService.Tests.Hosting;

/// <summary>
/// The built service started as an operator starts it: a bad setting ends the start with exit code 1 and one line
/// naming it; the production database (SQL Server) starts even when it cannot be reached, and says why it is not ready.
/// </summary>
public sealed class StartupTests
{
    [Theory]
    [InlineData("Superuser__Password", "short", "Superuser:Password")]
    [InlineData("Superuser__Password", null, "Superuser:Password")]
    [InlineData("Superuser__Username", "org_evil", "Superuser:Username")]
    [InlineData("Superuser__Username", "rs_evil", "Superuser:Username")]
    [InlineData("Superuser__Username", "management", "Superuser:Username")]
    [InlineData("Superuser__Username", "has space", "Superuser:Username")]
    [InlineData("Tokens__DefaultTtl", "-5", "Tokens:DefaultTtl")]
    [InlineData("Tokens__DefaultTtl", "a week", "Tokens:DefaultTtl")]
    [InlineData("Tokens__Issuer", "not/absolute", "Tokens:Issuer")]
    [InlineData("Database__Provider", "Oracle", "Database:Provider")]
    [InlineData("Database__Provider", "1", "Database:Provider")]
    [InlineData("Database__AutoMigrate", "maybe", "Database:AutoMigrate")]
    [InlineData("Keys__SigningKey", "dG9vLXNob3J0", "Keys:SigningKey")]
    [InlineData("Keys__EncryptionKey", "dG9vLXNob3J0", "Keys:EncryptionKey")]
    [InlineData("Keys__ProtectionKey", "not base64 at all", "Keys:ProtectionKey")]
    [InlineData("RateLimits__CredentialPerSecond", "0", "RateLimits:CredentialPerSecond")]
    [InlineData("Transport__TrustedProxies__0", "not-an-address", "Transport:TrustedProxies")]
    public async Task Start_WithBadSetting_ExitsWithOneLineNamingIt(string variable, string? value, string named)
    {
        // Arrange
        var environment = SqliteEnvironment();
        environment[variable] = value;

        // Act
        var (exitCode, stdout, stderr) = await ServiceProcess.RunToExitAsync([], environment);

        // Assert
        AssertRefusedNaming(named, exitCode, stdout, stderr);
    }

    [Fact]
    public async Task Start_WithAnUnknownProvider_ListsTheChoices()
    {
        var environment = SqliteEnvironment();
        environment["Database__Provider"] = "Oracle";

        var (exitCode, stdout, stderr) = await ServiceProcess.RunToExitAsync([], environment);

        AssertRefusedNaming("Database:Provider must be one of Sqlite, SqlServer, PostgreSql (it is 'Oracle')", exitCode, stdout, stderr);
    }

    [Theory]
    [InlineData("SqlServer")]
    [InlineData("PostgreSql")]
    public async Task Start_WithServerDatabaseButNoConnectionString_ExitsNamingIt(string provider)
    {
        var environment = ServiceProcess.BaseEnvironment();
        environment["Database__Provider"] = provider;

        var (exitCode, stdout, stderr) = await ServiceProcess.RunToExitAsync([], environment);

        AssertRefusedNaming("ConnectionStrings:TokenService", exitCode, stdout, stderr);
    }

    [Theory]
    [InlineData("SqlServer")]
    [InlineData("PostgreSql")]
    public async Task Start_WithAMalformedConnectionString_ExitsNamingItWithoutRepeatingIt(string provider)
    {
        var environment = ServiceProcess.BaseEnvironment();
        environment["Database__Provider"] = provider;
        environment["ConnectionStrings__TokenService"] = "Data Source=tokenservice.db;Shoe Size=hunter2-secret";

        var (exitCode, stdout, stderr) = await ServiceProcess.RunToExitAsync([], environment);

        AssertRefusedNaming("ConnectionStrings:TokenService", exitCode, stdout, stderr);
        Assert.DoesNotContain("hunter2", stdout + stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_WithSeveralBadSettings_ExitsWithOneLineNamingEach()
    {
        var environment = SqliteEnvironment();
        environment["Tokens__DefaultTtl"] = "-1";
        environment["BruteForce__MaxFailuresPerIdentity"] = "0";

        var (exitCode, stdout, stderr) = await ServiceProcess.RunToExitAsync([], environment);

        AssertRefusedNaming("Tokens:DefaultTtl", exitCode, stdout, stderr);
        Assert.Contains("BruteForce:MaxFailuresPerIdentity", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_WithAWordWhereANumberGoes_NamesTheSettingButNotTheValue()
    {
        var environment = SqliteEnvironment();
        environment["Pruning__BatchSize"] = "secret-looking-value";

        var (exitCode, stdout, stderr) = await ServiceProcess.RunToExitAsync([], environment);

        AssertRefusedNaming("Pruning:BatchSize", exitCode, stdout, stderr);
        Assert.DoesNotContain("secret-looking-value", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Migrate_WithOnlyDatabaseSettings_AppliesMigrationsAndExits0()
    {
        var database = Guid.NewGuid().ToString("N");
        try
        {
            var environment = new Dictionary<string, string?>
            {
                ["ASPNETCORE_ENVIRONMENT"] = "Production",
                ["ConnectionStrings__TokenService"] = $"Data Source={TestDatabase.SqlitePath(database)}",
                ["Superuser__Password"] = null,
            };

            var (exitCode, stdout, stderr) = await ServiceProcess.RunToExitAsync(["migrate"], environment);

            Assert.True(exitCode == 0, stdout + stderr);
            Assert.Contains("Applied", stdout, StringComparison.Ordinal);
        }
        finally
        {
            TestDatabase.DeleteSqlite(database);
        }
    }

    [Fact]
    public async Task Start_WithAWrongProtectionKey_ExitsNamingIt()
    {
        var database = Guid.NewGuid().ToString("N");
        try
        {
            var environment = SqliteEnvironment(database);
            environment["Keys__ProtectionKey"] = Convert.ToBase64String(new byte[32]);
            using (await ServiceProcess.StartAsync(environment))
            {
                // The first start generates the keys and stores them encrypted under this protection key.
            }

            environment["Keys__ProtectionKey"] = Convert.ToBase64String(Enumerable.Repeat((byte)7, 32).ToArray());
            var (exitCode, stdout, stderr) = await ServiceProcess.RunToExitAsync([], environment);

            AssertRefusedNaming("Keys:ProtectionKey", exitCode, stdout, stderr);
        }
        finally
        {
            TestDatabase.DeleteSqlite(database);
        }
    }

    /// <summary>
    /// SqlClient refuses to open a connection in globalization-invariant mode (NotSupportedException): the service
    /// then died on every start with SQL Server. Against a closed port, with invariant mode off, SqlClient gets as far
    /// as the network, and the service stays up, alive and not ready, naming the database and SqlClient's error.
    /// </summary>
    [Fact]
    public async Task Start_WithSqlServerAtAClosedPort_StaysUpAndReadinessNamesTheNetworkError()
    {
        // Arrange
        var environment = ServiceProcess.BaseEnvironment();
        environment["Database__Provider"] = "SqlServer";
        environment["ConnectionStrings__TokenService"] =
            "Server=127.0.0.1,1;Database=TokenService;User Id=sa;Password=not-used;TrustServerCertificate=True;Connect Timeout=2";

        // Act
        using var service = await ServiceProcess.StartAsync(environment, waitUntilReady: false);
        var live = await WaitForAsync(service, "/health/live");
        using var ready = await service.Http.GetAsync("/health/ready");
        var readyBody = await ready.Content.ReadAsStringAsync();
        using var token = await service.Http.PostAsync("/token", new FormUrlEncodedContent([new("grant_type", "client_credentials")]));
        var tokenBody = await token.Content.ReadFromJsonAsync<JsonElement>();

        // Assert
        Assert.Equal(HttpStatusCode.OK, live);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Contains("database", readyBody, StringComparison.Ordinal);
        Assert.Contains("SqlException", readyBody, StringComparison.Ordinal);
        Assert.DoesNotContain("NotSupportedException", readyBody + service.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Invariant", readyBody + service.Output, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, token.StatusCode);
        Assert.Equal("temporarily_unavailable", tokenBody.GetProperty("error").GetString());
        Assert.False(service.HasExited, service.Output);
    }

    [Fact]
    public void BuiltService_RuntimeConfig_DoesNotTurnOnInvariantGlobalization()
    {
        var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "TokenService.runtimeconfig.json")));

        var invariant = config.RootElement.GetProperty("runtimeOptions").TryGetProperty("configProperties", out var properties) &&
                        properties.TryGetProperty("System.Globalization.Invariant", out var value) && value.GetBoolean();

        Assert.False(invariant, "InvariantGlobalization is on: Microsoft.Data.SqlClient cannot open a connection in that mode.");
    }

    private static Dictionary<string, string?> SqliteEnvironment(string? database = null)
    {
        var environment = ServiceProcess.BaseEnvironment();
        environment["ConnectionStrings__TokenService"] = $"Data Source={TestDatabase.SqlitePath(database ?? "startup-" + Guid.NewGuid().ToString("N"))}";
        return environment;
    }

    private static void AssertRefusedNaming(string named, int exitCode, string stdout, string stderr)
    {
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(exitCode == 1, $"exit code {exitCode}: {stdout} {stderr}");
        Assert.True(lines.Length == 1, $"Expected one line on stderr, got {lines.Length}: {stderr}");
        Assert.Contains(named, lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stdout + stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", stdout + stderr, StringComparison.Ordinal);
    }

    private static async Task<HttpStatusCode> WaitForAsync(ServiceProcess service, string path)
    {
        for (var attempt = 0; attempt < 300; attempt++)
        {
            try
            {
                using var response = await service.Http.GetAsync(path);
                return response.StatusCode;
            }
            catch (HttpRequestException)
            {
                Assert.False(service.HasExited, service.Output);
                await Task.Delay(100);
            }
        }

        throw new TimeoutException(service.Output);
    }
}
