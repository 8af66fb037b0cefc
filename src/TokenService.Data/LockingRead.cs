using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace TokenService.Data;

/// <summary>
/// A read of rows by key that, inside a transaction, sees the latest committed version of each row and keeps it from
/// changing until the transaction ends: a writer that changed the row and has not committed is waited for. EF Core's
/// LINQ cannot say this, and each provider says it its own way (SQL Server's <c>REPEATABLEREAD</c> table hint —
/// a locking read even under read-committed snapshot —, PostgreSQL's <c>FOR SHARE</c>); SQLite needs nothing, as its
/// write transactions (<c>BEGIN IMMEDIATE</c>) already exclude every other writer.
/// </summary>
public static class LockingRead
{
    /// <summary>
    /// <c>SELECT</c> of <paramref name="properties"/> (aliased to the property names) of <typeparamref name="TEntity"/>
    /// rows whose <paramref name="key"/> is one of <paramref name="keyCount"/> parameters <c>@p0</c>, <c>@p1</c>…
    /// (a name every provider here accepts), for a command run in the caller's transaction.
    /// </summary>
    public static string Sql<TEntity>(DbContext db, string key, IReadOnlyList<string> properties, int keyCount)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(properties);
        ArgumentOutOfRangeException.ThrowIfLessThan(keyCount, 1);
        var entity = db.Model.FindEntityType(typeof(TEntity)) ?? throw new InvalidOperationException($"{typeof(TEntity)} is not in the model.");
        var sql = db.GetService<ISqlGenerationHelper>();
        var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
        string Column(string property) => sql.DelimitIdentifier(
            (entity.FindProperty(property) ?? throw new InvalidOperationException($"{typeof(TEntity)}.{property} is not in the model.")).GetColumnName(table)!);

        var text = new StringBuilder("SELECT ")
            .AppendJoin(", ", properties.Select(p => $"{Column(p)} AS {sql.DelimitIdentifier(p)}"))
            .Append(" FROM ").Append(sql.DelimitIdentifier(table.Name, table.Schema));
        if (db.Database.IsSqlServer())
        {
            text.Append(" WITH (REPEATABLEREAD, ROWLOCK)");
        }

        text.Append(" WHERE ").Append(Column(key)).Append(" IN (")
            .AppendJoin(", ", Enumerable.Range(0, keyCount).Select(i => $"@p{i}")).Append(')');
        if (db.Database.IsNpgsql())
        {
            text.Append(" FOR SHARE");
        }

        return text.ToString();
    }
}
