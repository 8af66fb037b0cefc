using OpenIddict.EntityFrameworkCore.Models;
using TokenService.Data;

namespace TokenService.Tests.Data;

/// <summary>
/// The writer's locking read of clients' rows (TokenService.Database.ReplacedSecrets), per provider, checked offline; SQLite and
/// PostgreSQL also run it for real in the suite.
/// </summary>
public sealed class LockingReadTests
{
    private static readonly string[] Columns = ["Id", "ClientSecret", "Properties"];

    [Fact]
    public void Sql_ForSqlServer_HoldsSharedLocksToTheEndOfTheTransaction()
    {
        using var db = MigrationsTests.SqlServer();

        var sql = LockingRead.Sql<OpenIddictEntityFrameworkCoreApplication>(db, "Id", Columns, 2);

        Assert.Equal("SELECT [Id] AS [Id], [ClientSecret] AS [ClientSecret], [Properties] AS [Properties] FROM [OpenIddictApplications] " +
                     "WITH (REPEATABLEREAD, ROWLOCK) WHERE [Id] IN (@p0, @p1)", sql);
    }

    [Fact]
    public void Sql_ForPostgreSql_ReadsForShare()
    {
        using var db = MigrationsTests.PostgreSql();

        var sql = LockingRead.Sql<OpenIddictEntityFrameworkCoreApplication>(db, "Id", Columns, 1);

        Assert.EndsWith("WHERE \"Id\" IN (@p0) FOR SHARE", sql, StringComparison.Ordinal);
    }

    [Fact]
    public void Sql_ForAPropertyNotInTheModel_Throws()
    {
        using var db = MigrationsTests.SqlServer();

        Assert.Throws<InvalidOperationException>(() => LockingRead.Sql<OpenIddictEntityFrameworkCoreApplication>(db, "Id", ["Secret"], 1));
    }
}
