using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using TokenService.Data;
using TokenService.Options;

namespace TokenService.Hosting;

/// <summary>Registers the database and prepares it when the service starts.</summary>
public static partial class DataExtensions
{
    private const string DefaultSqliteConnection = "Data Source=tokenservice.db";

    public static IHostApplicationBuilder AddTokenServiceData(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var provider = builder.Configuration.GetValue(
            $"{DatabaseOptions.Section}:{nameof(DatabaseOptions.Provider)}", DatabaseProvider.Sqlite);
        var connectionString = builder.Configuration.GetConnectionString("TokenService");

        if (provider == DatabaseProvider.SqlServer && string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException(
                "ConnectionStrings:TokenService is required when Database:Provider is SqlServer.");
        }

        var writeGate = new SqliteWriteGate();

        // Pooled contexts: every request takes several, and building one costs more than renting it.
        builder.Services.AddDbContextPool<TokenServiceDbContext>(options =>
        {
            // One migrations assembly per provider, as EF Core's multi-provider guidance lays out.
            _ = provider switch
            {
                DatabaseProvider.SqlServer => options.UseSqlServer(connectionString, Migrations.SqlServer.Provider.Configure),
                _ => options.UseSqlite(string.IsNullOrWhiteSpace(connectionString) ? DefaultSqliteConnection : connectionString,
                    Migrations.Sqlite.Provider.Configure).AddInterceptors(writeGate),
            };
            options.UseOpenIddict();
        });
        return builder;
    }

    /// <summary>
    /// Prepares the database at start: applies pending migrations where <c>Database:AutoMigrate</c> says so, then
    /// registers the service's own clients. With migrations pending (SQL Server, nobody applied them yet) the service
    /// still starts, but <c>/health/ready</c> fails until they are applied and the service restarted.
    /// </summary>
    public static async Task InitializeDatabaseAsync(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TokenServiceDbContext>();
        if (scope.ServiceProvider.GetRequiredService<IOptions<DatabaseOptions>>().Value.ShouldAutoMigrate)
        {
            await MigrateAsync(db);
        }
        else if ((await db.Database.GetPendingMigrationsAsync()).Any())
        {
            Log.PendingMigrations(app.Logger);
            return;
        }

        await scope.ServiceProvider.GetRequiredService<Callers.BuiltInClients>().EnsureRegisteredAsync();

        // Load the keys now, so that a key that cannot be read (a wrong Keys:ProtectionKey) stops the start
        // with its message instead of failing the first request.
        _ = app.Services.GetRequiredService<IOptionsMonitor<OpenIddict.Server.OpenIddictServerOptions>>().CurrentValue;
    }

    /// <summary>The <c>migrate</c> command: applies pending migrations, registers the built-in clients, and exits.</summary>
    public static async Task<int> RunMigrateCommandAsync(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TokenServiceDbContext>();
        var pending = (await db.Database.GetPendingMigrationsAsync()).ToList();
        await MigrateAsync(db);
        await scope.ServiceProvider.GetRequiredService<Callers.BuiltInClients>().EnsureRegisteredAsync();
        Log.Migrated(app.Logger, pending.Count);
        return 0;
    }

    private static async Task MigrateAsync(TokenServiceDbContext db)
    {
        await db.Database.MigrateAsync();
        if (db.Database.IsSqlite())
        {
            // WAL lets readers proceed while a write commits; it is a property of the file, so set once.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;");
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Error, Message = "The database has pending migrations: apply them (TokenService migrate, or the idempotent script) and restart.")]
        public static partial void PendingMigrations(ILogger logger);

        [LoggerMessage(Level = LogLevel.Information, Message = "Applied {Count} migration(s).")]
        public static partial void Migrated(ILogger logger, int count);
    }
}
