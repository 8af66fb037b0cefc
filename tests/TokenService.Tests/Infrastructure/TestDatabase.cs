using Microsoft.Data.SqlClient;
using Testcontainers.MsSql;

namespace TokenService.Tests.Infrastructure;

/// <summary>The database engines test hosts can run on.</summary>
public enum TestEngine
{
    Sqlite,
    SqlServer,
    PostgreSql,
}

/// <summary>
/// Where test hosts keep their data. By default a SQLite file per database name; with
/// <c>TOKENSERVICE_TEST_DATABASE=PostgreSql</c> a database per name on the run's throwaway PostgreSQL server
/// (<see cref="PostgresServer"/>); with <c>TOKENSERVICE_TEST_DATABASE=SqlServer</c> a database per name in one
/// SQL Server container that Testcontainers starts for the whole run (this needs a Docker engine).
/// </summary>
public static class TestDatabase
{
    public const string SwitchVariable = "TOKENSERVICE_TEST_DATABASE";

    /// <summary>The SQL Server image the container tests run (2022, the version production is expected to run).</summary>
    public const string Image = "mcr.microsoft.com/mssql/server:2022-latest";

    private static readonly Lazy<Task<MsSqlContainer>> Container = new(StartContainerAsync);

    /// <summary>The engine the whole suite runs on (SQLite unless the switch says otherwise).</summary>
    public static TestEngine Engine { get; } =
        Enum.TryParse<TestEngine>(Environment.GetEnvironmentVariable(SwitchVariable), ignoreCase: true, out var engine) ? engine : TestEngine.Sqlite;

    /// <summary>The settings that point a host at the named database.</summary>
    public static Dictionary<string, string?> Settings(string name, TestEngine engine) => engine switch
    {
        TestEngine.SqlServer => new()
        {
            ["Database:Provider"] = "SqlServer",
            ["Database:AutoMigrate"] = "true",
            ["ConnectionStrings:TokenService"] = SqlServerConnectionString(name),
        },
        TestEngine.PostgreSql => new()
        {
            ["Database:Provider"] = "PostgreSql",
            ["Database:AutoMigrate"] = "true",
            ["ConnectionStrings:TokenService"] = PostgresServer.Instance.ConnectionString("ts_" + name),
        },
        _ => new() { ["ConnectionStrings:TokenService"] = $"Data Source={SqlitePath(name)}" },
    };

    public static string SqlitePath(string name) => Path.Combine(Path.GetTempPath(), $"tokenservice-test-{name}.db");

    public static void DeleteSqlite(string name)
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var suffix in (string[])["", "-wal", "-shm"])
        {
            File.Delete(SqlitePath(name) + suffix);
        }
    }

    private static string SqlServerConnectionString(string name)
    {
        var container = Container.Value.GetAwaiter().GetResult();
        return new SqlConnectionStringBuilder(container.GetConnectionString()) { InitialCatalog = $"ts_{name}" }.ConnectionString;
    }

    private static async Task<MsSqlContainer> StartContainerAsync()
    {
        var container = new MsSqlBuilder(Image).Build();
        await container.StartAsync();
        return container;
    }

    /// <summary>Why SQL Server tests cannot run here, or <c>null</c> when a Docker engine answers.</summary>
    public static string? SqlServerUnavailableReason => UnavailableReason.Value;

    private static readonly Lazy<string?> UnavailableReason = new(() =>
    {
        try
        {
            // Building the container definition asks the Docker engine; without one this throws in well under a second.
            _ = new MsSqlBuilder(Image).Build();
            return null;
        }
        catch (Exception exception)
        {
            return $"No Docker engine answered ({exception.GetType().Name}): the SQL Server (Testcontainers.MsSql) tests need one. " +
                   $"Where Docker runs: {SwitchVariable}=SqlServer dotnet test";
        }
    });
}

/// <summary>A test that needs a real SQL Server: skipped, with the reason, where no Docker engine answers.</summary>
public sealed class SqlServerFactAttribute : FactAttribute
{
    public SqlServerFactAttribute()
    {
        if (TestDatabase.SqlServerUnavailableReason is { } reason)
        {
            Skip = reason;
        }
    }
}
