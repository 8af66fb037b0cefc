using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using TokenService.Data;
using TokenService.Options;

namespace TokenService.Database;

/// <summary>Registers the database and prepares it when the service starts.</summary>
public static partial class DataExtensions
{
    public static IHostApplicationBuilder AddTokenServiceData(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);

        // Pooled contexts: every request takes several, and building one costs more than renting it. The provider and
        // its connection string come from the validated DatabaseOptions, which refuse a start that cannot work.
        builder.Services.AddDbContextPool<TokenServiceDbContext>((services, options) =>
        {
            var database = services.GetRequiredService<IOptions<DatabaseOptions>>().Value;

            // One migrations assembly per provider, as EF Core's multi-provider guidance lays out.
            _ = database.Provider switch
            {
                DatabaseProvider.SqlServer => options.UseSqlServer(database.ConnectionString, Migrations.SqlServer.Provider.Configure),
                DatabaseProvider.PostgreSql => options.UseNpgsql(database.ConnectionString, Migrations.PostgreSql.Provider.Configure),
                _ => options.UseSqlite(database.ConnectionString, Migrations.Sqlite.Provider.Configure)
                    .AddInterceptors(services.GetRequiredService<SqliteWriteGate>()),
            };
            options.UseOpenIddict();
        });

        // SQLite's one writer line and its checkpoints; idle on the server databases.
        builder.Services.AddSingleton<SqliteWriteGate>();
        builder.Services.AddHostedService<SqliteCheckpointer>();

        builder.Services.AddSingleton<TokenInsertBatcher>();
        builder.Services.AddSingleton<DatabaseReadiness>();
        builder.Services.AddHostedService(services => services.GetRequiredService<DatabaseReadiness>());
        return builder;
    }

    /// <summary>
    /// The first attempt to prepare the database, before the service takes requests: when the database answers, the
    /// service starts ready. When it does not (down, or migrations pending) the service starts anyway, answers 503
    /// and keeps trying (<see cref="DatabaseReadiness"/>). A setting that cannot work (a wrong Keys:ProtectionKey)
    /// throws <see cref="InvalidSettingException"/>, which ends the start.
    /// </summary>
    public static async Task InitializeDatabaseAsync(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await app.Services.GetRequiredService<DatabaseReadiness>().TryInitializeAsync(timeout.Token);
    }

    /// <summary>
    /// The <c>migrate</c> command: applies pending migrations, registers the built-in clients that need no other
    /// setting, and exits. It needs only the database settings.
    /// </summary>
    public static async Task<int> RunMigrateCommandAsync(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TokenServiceDbContext>();
        var pending = (await db.Database.GetPendingMigrationsAsync()).ToList();
        await MigrateAsync(db, CancellationToken.None);
        foreach (var rows in scope.ServiceProvider.GetServices<IStartupRows>())
        {
            await rows.EnsureAsync(migrateCommand: true, CancellationToken.None);
        }
        Log.Migrated(app.Logger, pending.Count);
        return 0;
    }

    internal static async Task MigrateAsync(TokenServiceDbContext db, CancellationToken cancellationToken)
    {
        await db.Database.MigrateAsync(cancellationToken);
        if (db.Database.IsSqlite())
        {
            // WAL lets readers proceed while a write commits; it is a property of the file, so set once.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Applied {Count} migration(s).")]
        public static partial void Migrated(ILogger logger, int count);
    }
}
