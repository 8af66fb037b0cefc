using System.Collections.Concurrent;
using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Query;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.DependencyInjection;
using TokenService.Data;
using TokenService.Tests.Infrastructure;
using Xunit.Abstractions;

namespace TokenService.Tests.Data;

/// <summary>
/// Every query the service sends, turned into T-SQL without a server: the whole service is toured on SQLite while an
/// EF Core interceptor records each query EF compiles (LINQ in our code and in OpenIddict's stores, compiled queries,
/// bulk updates and deletes), then each one is compiled again by the SQL Server provider and its T-SQL generated.
/// A shape SQL Server cannot run fails here, on every CI run, instead of on the first production request.
/// </summary>
public sealed class SqlServerTranslationTests(ITestOutputHelper output)
{
    [Fact]
    public async Task EveryQueryOfTheTour_TranslatesToTSql()
    {
        // Arrange: the tour on SQLite, every compiled query recorded.
        var capture = new QueryCapture();
        await using var factory = new TokenServiceFactory(null, null, TestEngine.Sqlite)
        {
            ExtraServices = services => services.ConfigureDbContext<TokenServiceDbContext>(o => o.AddInterceptors(capture)),
        };
        await ServiceTour.RunAsync(factory);

        // Act: each query compiled by SQL Server's provider and its T-SQL generated. Nothing reaches a network: the
        // connection is never really opened and the command is stopped, with its text, where it would be sent.
        await using var sqlServer = new TokenServiceDbContext(new DbContextOptionsBuilder<TokenServiceDbContext>()
            .UseSqlServer("Server=127.0.0.1,1;Database=translation;User Id=sa;Password=not-used;TrustServerCertificate=True",
                TokenService.Migrations.SqlServer.Provider.Configure)
            .AddInterceptors(new StopBeforeSending())
            .UseOpenIddict().Options);
        var failures = new List<string>();
        var texts = new List<string>();
        foreach (var query in capture.Queries.Values)
        {
            try
            {
                texts.Add(Translate(sqlServer, query));
            }
            catch (SentCommand sent)
            {
                texts.Add(sent.Message);
            }
            catch (Exception exception)
            {
                failures.Add($"{query}\n  -> {exception.GetType().Name}: {exception.Message}");
            }
        }

        // Assert
        output.WriteLine($"{capture.Queries.Count} distinct queries captured, {texts.Count} translated to T-SQL:");
        foreach (var text in texts)
        {
            output.WriteLine(text.ReplaceLineEndings(" ") + "\n");
        }

        Assert.True(capture.Queries.Count >= 40, $"The tour reached too few queries to prove anything ({capture.Queries.Count}).");
        Assert.True(failures.Count == 0, "Queries SQL Server's provider cannot translate:\n" + string.Join("\n", failures));
        Assert.Equal(capture.Queries.Count, texts.Count);
        Assert.Contains(texts, t => t.Contains("FROM [OpenIddictTokens]", StringComparison.Ordinal));
        Assert.Contains(texts, t => t.StartsWith("DELETE", StringComparison.Ordinal) || t.Contains("\nDELETE", StringComparison.Ordinal));
    }

    /// <summary>Compiles <paramref name="query"/> for <paramref name="db"/>'s provider and returns its SQL (or throws it as <see cref="SentCommand"/>).</summary>
    private static string Translate(TokenServiceDbContext db, Expression query)
    {
        var remapped = new RootRemapper(db.Model).Visit(query);
        var resultType = remapped.Type.IsGenericType && typeof(IQueryable).IsAssignableFrom(remapped.Type)
            ? typeof(IEnumerable<>).MakeGenericType(remapped.Type.GetGenericArguments()[0])
            : remapped.Type;
        var database = db.GetService<IDatabase>();
        var compile = typeof(IDatabase).GetMethod(nameof(IDatabase.CompileQuery))!.MakeGenericMethod(resultType);
        Delegate executor;
        try
        {
            executor = (Delegate)compile.Invoke(database, [remapped, false])!;
        }
        catch (System.Reflection.TargetInvocationException invocation) when (invocation.InnerException is not null)
        {
            throw invocation.InnerException; // the provider's own message: "could not be translated", "not supported"…
        }


        var context = db.GetService<IQueryContextFactory>().Create();
        foreach (var parameter in new ParameterFinder().Find(remapped))
        {
            context.Parameters[parameter.Name] = SampleValue(parameter.Type);
        }

        try
        {
            // A sequence comes back unexecuted and gives its T-SQL; a single result or a bulk statement runs as far as
            // the command being sent, where StopBeforeSending hands its text back.
            var result = executor.DynamicInvoke(context);
            return result is Microsoft.EntityFrameworkCore.Query.Internal.IRelationalQueryingEnumerable sequence
                ? sequence.ToQueryString()
                : throw new InvalidOperationException($"A {result?.GetType().Name} came back where a query or a network error was expected.");
        }
        catch (System.Reflection.TargetInvocationException invocation) when (invocation.InnerException is not null)
        {
            throw invocation.InnerException;
        }
    }

    /// <summary>
    /// A value for a parameter: never null and never an empty list, so that the SQL generated is the one of a real
    /// request (null and empty collections take shortcuts of their own).
    /// </summary>
    private static object? SampleValue(Type type)
    {
        if (type == typeof(string))
        {
            return "x";
        }

        if (Nullable.GetUnderlyingType(type) is { } underlying)
        {
            return SampleValue(underlying);
        }

        if (type.IsArray)
        {
            var array = Array.CreateInstance(type.GetElementType()!, 1);
            array.SetValue(SampleValue(type.GetElementType()!), 0);
            return array;
        }

        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>))
        {
            var list = (System.Collections.IList)Activator.CreateInstance(type)!;
            list.Add(SampleValue(type.GetGenericArguments()[0]));
            return list;
        }

        if (type == typeof(Guid))
        {
            return Guid.NewGuid();
        }

        return type.IsValueType ? Activator.CreateInstance(type) : throw new NotSupportedException($"No sample value for a {type}.");
    }

    /// <summary>The text of a command that was about to be sent.</summary>
    private sealed class SentCommand(string text) : Exception(text);

    /// <summary>Opens no connection and sends no command: the command's text comes back as <see cref="SentCommand"/>.</summary>
    private sealed class StopBeforeSending : DbCommandInterceptor, IDbConnectionInterceptor
    {
        public InterceptionResult ConnectionOpening(System.Data.Common.DbConnection connection, ConnectionEventData eventData, InterceptionResult result) =>
            InterceptionResult.Suppress();

        public override InterceptionResult<System.Data.Common.DbDataReader> ReaderExecuting(System.Data.Common.DbCommand command, CommandEventData eventData, InterceptionResult<System.Data.Common.DbDataReader> result) =>
            throw new SentCommand(command.CommandText);

        public override InterceptionResult<int> NonQueryExecuting(System.Data.Common.DbCommand command, CommandEventData eventData, InterceptionResult<int> result) =>
            throw new SentCommand(command.CommandText);

        public override InterceptionResult<object> ScalarExecuting(System.Data.Common.DbCommand command, CommandEventData eventData, InterceptionResult<object> result) =>
            throw new SentCommand(command.CommandText);
    }

    /// <summary>Records each distinct query EF Core compiles, as the LINQ expression it starts from.</summary>
    private sealed class QueryCapture : IQueryExpressionInterceptor
    {
        public ConcurrentDictionary<string, Expression> Queries { get; } = new();

        public Expression QueryCompilationStarting(Expression queryExpression, QueryExpressionEventData eventData)
        {
            Queries.TryAdd(queryExpression.Print(), queryExpression);
            return queryExpression;
        }
    }

    /// <summary>Points a captured query's roots at the same entity types of another provider's model.</summary>
    private sealed class RootRemapper(IModel model) : ExpressionVisitor
    {
        protected override Expression VisitExtension(Expression node) => node switch
        {
            // Only plain table roots are known here; a FromSql or other root would be rebuilt wrongly, so it fails loudly.
            EntityQueryRootExpression root when root.GetType() == typeof(EntityQueryRootExpression) =>
                new EntityQueryRootExpression(model.FindEntityType(root.EntityType.Name)!),
            QueryRootExpression other => throw new NotSupportedException($"A query root this test cannot move between providers: {other.GetType().Name}."),
            _ => base.VisitExtension(node),
        };
    }

    private sealed class ParameterFinder : ExpressionVisitor
    {
        private readonly List<QueryParameterExpression> _found = [];

        public List<QueryParameterExpression> Find(Expression expression)
        {
            Visit(expression);
            return _found;
        }

        protected override Expression VisitExtension(Expression node)
        {
            if (node is QueryParameterExpression parameter)
            {
                _found.Add(parameter);
                return node;
            }

            return base.VisitExtension(node);
        }
    }
}
