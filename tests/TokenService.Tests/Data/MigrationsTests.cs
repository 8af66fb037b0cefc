using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Migrations;
using TokenService.Data;

namespace TokenService.Tests.Data;

/// <summary>
/// The migrations of each provider cover the model exactly, the SQLite ones build the model's schema, and the
/// checked-in SQL Server script is the one the current migrations generate. None of this needs a server.
/// </summary>
public sealed class MigrationsTests
{
    /// <summary>A SQL Server context that never connects: for the model, migrations and generated SQL.</summary>
    internal static TokenServiceDbContext SqlServer() =>
        new(new DbContextOptionsBuilder<TokenServiceDbContext>()
            .UseSqlServer("Server=(not-connected);Database=TokenService", TokenService.Migrations.SqlServer.Provider.Configure)
            .UseOpenIddict().Options);

    internal static TokenServiceDbContext PostgreSql() =>
        new(new DbContextOptionsBuilder<TokenServiceDbContext>()
            .UseNpgsql("Host=not-connected;Database=tokenservice", TokenService.Migrations.PostgreSql.Provider.Configure)
            .UseOpenIddict().Options);

    private static TokenServiceDbContext Sqlite(string connection) =>
        new(new DbContextOptionsBuilder<TokenServiceDbContext>()
            .UseSqlite(connection, TokenService.Migrations.Sqlite.Provider.Configure)
            .UseOpenIddict().Options);

    [Fact]
    public void SqlServerMigrations_CoverTheModel_NoPendingChanges()
    {
        using var db = SqlServer();

        Assert.False(db.Database.HasPendingModelChanges(),
            "The model has changes no SQL Server migration covers: run dotnet ef migrations add (see README).");
    }

    [Fact]
    public void PostgreSqlMigrations_CoverTheModel_NoPendingChanges()
    {
        using var db = PostgreSql();

        Assert.False(db.Database.HasPendingModelChanges(),
            "The model has changes no PostgreSQL migration covers: run dotnet ef migrations add (see README).");
    }

    [Fact]
    public void SqliteMigrations_CoverTheModel_NoPendingChanges()
    {
        using var db = Sqlite("Data Source=:memory:");

        Assert.False(db.Database.HasPendingModelChanges(),
            "The model has changes no SQLite migration covers: run dotnet ef migrations add (see README).");
    }

    [Fact]
    public async Task SqliteMigrations_AppliedToAnEmptyDatabase_GiveEveryTableColumnAndIndexOfTheModel()
    {
        await using var connection = new SqliteConnection("Data Source=:memory:");
        await connection.OpenAsync();
        await using var db = Sqlite(connection.ConnectionString);
        db.Database.SetDbConnection(connection);

        await db.Database.MigrateAsync();

        foreach (var entity in db.Model.GetEntityTypes())
        {
            var table = entity.GetTableName()!;
            var columns = await QueryNamesAsync(connection, $"SELECT name FROM pragma_table_info('{table}')");
            var indexes = await QueryNamesAsync(connection, $"SELECT name FROM pragma_index_list('{table}')");
            var store = StoreObjectIdentifier.Table(table, entity.GetSchema());
            Assert.True(columns.Count > 0, $"Table {table} is missing.");
            foreach (var property in entity.GetProperties())
            {
                Assert.Contains(property.GetColumnName(store), columns);
            }

            foreach (var index in entity.GetIndexes())
            {
                Assert.Contains(index.GetDatabaseName(store), indexes);
            }
        }
    }

    [Fact]
    public void SqlServerIdempotentScript_InTheRepository_IsTheOneTheMigrationsGenerate()
    {
        using var db = SqlServer();
        var (generated, checkedIn) = Scripts(db, "sqlserver-idempotent.sql");

        Assert.Contains("IF NOT EXISTS", generated, StringComparison.Ordinal);
        Assert.Contains("CREATE INDEX [IX_OpenIddictTokens_Subject]", generated, StringComparison.Ordinal);
        Assert.True(Normalize(checkedIn) == Normalize(generated),
            "migrations/sqlserver-idempotent.sql is stale: regenerate it with the command in the README.");
    }

    [Fact]
    public void PostgreSqlIdempotentScript_InTheRepository_IsTheOneTheMigrationsGenerate()
    {
        using var db = PostgreSql();
        var (generated, checkedIn) = Scripts(db, "postgresql-idempotent.sql");

        Assert.Contains("IF NOT EXISTS", generated, StringComparison.Ordinal);
        Assert.True(Normalize(checkedIn) == Normalize(generated),
            "migrations/postgresql-idempotent.sql is stale: regenerate it with the command in the README.");
    }

    /// <summary>The idempotent script the migrations generate for this provider, and the one checked in.</summary>
    private static (string Generated, string CheckedIn) Scripts(TokenServiceDbContext db, string file) =>
        (db.GetService<IMigrator>().GenerateScript(options: MigrationsSqlGenerationOptions.Idempotent),
         File.ReadAllText(Path.Combine(RepositoryRoot(), "migrations", file)));

    private static string Normalize(string script) => script.Replace("\r\n", "\n", StringComparison.Ordinal).Trim('\uFEFF', '\n', ' ');

    private static async Task<List<string>> QueryNamesAsync(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync();
        var names = new List<string>();
        while (await reader.ReadAsync())
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }

    internal static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "TokenService.sln")))
            {
                return directory.FullName;
            }
        }

        throw new DirectoryNotFoundException("The repository root (TokenService.sln) is not above the test binaries.");
    }
}
