using System.Collections.Concurrent;
using System.Data.Common;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace TokenService.Data;

/// <summary>
/// Inserts many new rows of one entity type with multi-row <c>INSERT … VALUES (…), (…)</c> statements, written from the
/// EF Core model of the context (table and column names, quoting, parameter names, type mappings and value converters
/// of whichever provider is in use), so the rows are stored exactly as <c>SaveChanges</c> would store them. For the
/// group-commit writer, where <c>SaveChanges</c>' per-row work (change tracking, one command description and one
/// SQL fragment generated anew per row on every call) cost more than the database's own work.
/// Identity keys are left to the database.
/// </summary>
public sealed class RowInserter
{
    /// <summary>SQL Server accepts at most 2,100 parameters per command; every provider stays under this.</summary>
    private const int MaxParametersPerCommand = 2_000;

    private static readonly ConcurrentDictionary<(IModel, Type, string), RowInserter> Plans = new();

    private readonly string _header;
    private readonly Column[] _columns;
    private readonly ISqlGenerationHelper _sql;

    private RowInserter(string header, Column[] columns, ISqlGenerationHelper sql) => (_header, _columns, _sql) = (header, columns, sql);

    /// <summary>The inserter of <typeparamref name="TEntity"/> rows for the model and provider of <paramref name="db"/>.</summary>
    public static RowInserter For<TEntity>(DbContext db)
    {
        ArgumentNullException.ThrowIfNull(db);
        return Plans.GetOrAdd((db.Model, typeof(TEntity), db.Database.ProviderName ?? ""), static (key, context) =>
        {
            var entity = key.Item1.FindEntityType(key.Item2) ?? throw new InvalidOperationException($"{key.Item2} is not in the model.");
            var sql = context.GetService<ISqlGenerationHelper>();
            var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
            var columns = entity.GetProperties()
                .Where(p => !IsStoreGenerated(p))
                .Select(p => new Column(p, p.GetColumnName(table)!, p.GetRelationalTypeMapping()))
                .ToArray();
            var header = $"INSERT INTO {sql.DelimitIdentifier(table.Name, table.Schema)} ({string.Join(", ", columns.Select(c => sql.DelimitIdentifier(c.Name)))}) VALUES ";
            return new RowInserter(header, columns, sql);
        }, db);
    }

    /// <summary>The property names this inserter writes, in order.</summary>
    public IEnumerable<string> Properties => _columns.Select(c => c.Property.Name);

    /// <summary>
    /// The statements inserting <paramref name="rows"/>, each with its parameters (made by
    /// <paramref name="parameterFactory"/>'s provider, not attached to it); <paramref name="valueOf"/> gives a property's
    /// value for a row (shadow properties such as foreign keys included). Run them through EF Core
    /// (<c>ExecuteSqlRawAsync</c>), so that its command interceptors, logging and diagnostics see them as any other.
    /// </summary>
    public IEnumerable<(string Sql, DbParameter[] Parameters)> Statements<TRow>(DbCommand parameterFactory, IReadOnlyList<TRow> rows,
        Func<TRow, IProperty, object?> valueOf)
    {
        ArgumentNullException.ThrowIfNull(parameterFactory);
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(valueOf);
        var rowsPerStatement = Math.Max(1, MaxParametersPerCommand / _columns.Length);
        for (var start = 0; start < rows.Count; start += rowsPerStatement)
        {
            var end = Math.Min(rows.Count, start + rowsPerStatement);
            var parameters = new DbParameter[(end - start) * _columns.Length];
            var text = new StringBuilder(_header);
            for (var row = start; row < end; row++)
            {
                text.Append(row == start ? "(" : ", (");
                for (var column = 0; column < _columns.Length; column++)
                {
                    var (property, _, mapping) = _columns[column];
                    var index = ((row - start) * _columns.Length) + column;
                    var value = valueOf(rows[row], property);
                    if (value is not null && mapping.Converter is { } converter)
                    {
                        value = converter.ConvertToProvider(value);
                    }

                    parameters[index] = mapping.CreateParameter(parameterFactory, _sql.GenerateParameterName($"p{index}"), value, property.IsNullable);
                    text.Append(column == 0 ? "" : ", ").Append(_sql.GenerateParameterNamePlaceholder($"p{index}"));
                }

                text.Append(')');
            }

            yield return (text.Append(';').ToString(), parameters);
        }
    }

    /// <summary>Identity keys are the database's to number; every other column (string and GUID keys too) is written.</summary>
    private static bool IsStoreGenerated(IProperty property) =>
        property.IsKey() && property.ValueGenerated == ValueGenerated.OnAdd && (property.ClrType == typeof(long) || property.ClrType == typeof(int));

    private sealed record Column(IProperty Property, string Name, RelationalTypeMapping Mapping);
}
