using Microsoft.Data.SqlClient;
using Microsoft.EntityFrameworkCore;
using OpenIddict.EntityFrameworkCore.Models;
using TokenService.Data;
using TokenService.Data.Entities;

namespace TokenService.Tests.Data;

/// <summary>
/// The group-commit writer's multi-row INSERTs for SQL Server, checked offline (SQLite and PostgreSQL run them for real in
/// the suite): the provider's quoting and parameter names, every column but identity keys, the provider's value
/// conversions, and no statement past SQL Server's limit of 2,100 parameters.
/// </summary>
public sealed class RowInserterTests
{
    private static TokenServiceDbContext SqlServer() => MigrationsTests.SqlServer();

    [Fact]
    public void Statements_ForSqlServer_AreQuotedParameterisedAndUnderTheParameterLimit()
    {
        // Arrange: more rows than one statement may carry.
        using var db = SqlServer();
        using var command = new SqlCommand();
        var audits = Enumerable.Range(0, 700).Select(i => new AuditEvent
        {
            At = i, OrganizationId = Guid.NewGuid(), Kind = "token_issued", Actor = "client:app_x", Target = "token:" + i,
        }).ToList();

        // Act
        var inserter = RowInserter.For<AuditEvent>(db);
        var statements = inserter.Statements(command, audits, static (row, property) => property.GetGetter().GetClrValue(row)).ToList();

        // Assert
        Assert.DoesNotContain(nameof(AuditEvent.Id), inserter.Properties);
        Assert.True(statements.Count > 1);
        Assert.Equal(audits.Count * inserter.Properties.Count(), statements.Sum(s => s.Parameters.Length));
        Assert.All(statements, s =>
        {
            Assert.StartsWith("INSERT INTO [AuditEvents] ([", s.Sql, StringComparison.Ordinal);
            Assert.InRange(s.Parameters.Length, 1, 2_100);
            Assert.All(s.Parameters, p => Assert.StartsWith("@p", p.ParameterName, StringComparison.Ordinal));
            Assert.Contains("@p0", s.Sql, StringComparison.Ordinal);
        });
    }

    [Fact]
    public void Statements_ForTokens_WriteEveryColumnIncludingTheKeysAndForeignKeys()
    {
        using var db = SqlServer();
        using var command = new SqlCommand();
        var token = new OpenIddictEntityFrameworkCoreToken { Id = Guid.CreateVersion7().ToString(), Type = "t", Status = "valid" };

        var inserter = RowInserter.For<OpenIddictEntityFrameworkCoreToken>(db);
        var (sql, parameters) = Assert.Single(inserter.Statements(command, [token],
            static (row, property) => property.IsShadowProperty() ? "app-row" : property.GetGetter().GetClrValue(row)));

        Assert.Contains("[Id]", sql, StringComparison.Ordinal);
        Assert.Contains("[ApplicationId]", sql, StringComparison.Ordinal);
        Assert.Contains("[ReferenceId]", sql, StringComparison.Ordinal);
        Assert.Contains(parameters, p => token.Id.Equals(p.Value));
        Assert.Contains(parameters, p => "app-row".Equals(p.Value));
    }
}
