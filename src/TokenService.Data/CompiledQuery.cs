using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace TokenService.Data;

/// <summary>
/// A compiled query, compiled once per EF Core model. A compiled query may only run against the model it was first
/// run with; a process normally has one model, but hosts of several providers in one process (the test suite runs
/// SQLite, PostgreSQL and SQL Server hosts side by side) each have their own.
/// </summary>
public sealed class CompiledQuery<TQuery>(Func<TQuery> compile) where TQuery : class
{
    private readonly ConditionalWeakTable<IModel, TQuery> _byModel = new();

    /// <summary>The query compiled for <paramref name="db"/>'s model.</summary>
    public TQuery For(DbContext db)
    {
        ArgumentNullException.ThrowIfNull(db);
        return _byModel.TryGetValue(db.Model, out var query) ? query : _byModel.GetValue(db.Model, _ => compile());
    }
}
