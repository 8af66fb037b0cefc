using Microsoft.EntityFrameworkCore;
using TokenService.Data;
using TokenService.Options;

namespace TokenService.Database;

/// <summary>Registers the database and prepares it when the service starts.</summary>
public static partial class DataExtensions
{
    private const string DefaultSqliteConnection = "Data Source=tokenservice.db";

    public static IHostApplicationBuilder AddTokenServiceData(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var (provider, connectionString) = ReadDatabaseSettings(builder.Configuration);
        var writeGate = new SqliteWriteGate();

        // Pooled contexts: every request takes several, and building one costs more than renting it.
        builder.Services.AddDbContextPool<TokenServiceDbContext>(options =>
        {
            // One migrations assembly per provider, as EF Core's multi-provider guidance lays out.
            _ = provider switch
            {
                DatabaseProvider.SqlServer => options.UseSqlServer(connectionString, Migrations.SqlServer.Provider.Configure),
                DatabaseProvider.PostgreSql => options.UseNpgsql(connectionString, Migrations.PostgreSql.Provider.Configure),
                _ => options.UseSqlite(connectionString, Migrations.Sqlite.Provider.Configure).AddInterceptors(writeGate),
            };
            options.UseOpenIddict();
        });
        if (provider == DatabaseProvider.Sqlite)
        {
            builder.Services.AddSingleton(writeGate);
            builder.Services.AddHostedService<SqliteCheckpointer>();
        }

        builder.Services.AddSingleton<TokenInsertBatcher>();
        builder.Services.AddSingleton<DatabaseReadiness>();
        builder.Services.AddHostedService(services => services.GetRequiredService<DatabaseReadiness>());
        return builder;
    }

    /// <summary>
    /// The provider and its connection string, refused with a message naming the setting when they cannot work: a
    /// server database never falls back to the embedded file's connection string.
    /// </summary>
    private static (DatabaseProvider Provider, string ConnectionString) ReadDatabaseSettings(IConfiguration configuration)
    {
        var key = $"{DatabaseOptions.Section}:{nameof(DatabaseOptions.Provider)}";
        var value = configuration[key];
        var provider = DatabaseProvider.Sqlite;
        if (!string.IsNullOrWhiteSpace(value) &&
            (!Enum.TryParse(value, ignoreCase: true, out provider) || !Enum.IsDefined(provider) || value.Trim().All(char.IsAsciiDigit)))
        {
            throw new InvalidSettingException(
                $"{key} must be one of {string.Join(", ", Enum.GetNames<DatabaseProvider>())} (it is '{value}').");
        }

        var connectionString = configuration.GetConnectionString("TokenService");
        if (provider == DatabaseProvider.Sqlite)
        {
            return (provider, string.IsNullOrWhiteSpace(connectionString) ? DefaultSqliteConnection : connectionString);
        }

        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidSettingException(
                $"ConnectionStrings:TokenService is required when {key} is {provider} (ConnectionStrings__TokenService=...).");
        }

        try
        {
            // Parsed now, so that a malformed string stops the start instead of failing every connection.
            _ = provider == DatabaseProvider.SqlServer
                ? new Microsoft.Data.SqlClient.SqlConnectionStringBuilder(connectionString).ConnectionString
                : new Npgsql.NpgsqlConnectionStringBuilder(connectionString).ConnectionString;
        }
        catch (Exception exception) when (exception is ArgumentException or FormatException or KeyNotFoundException or InvalidOperationException)
        {
            // The value is not repeated: it holds the database password.
            throw new InvalidSettingException(
                $"ConnectionStrings:TokenService is not a valid {provider} connection string: check its keywords and quoting.");
        }

        return (provider, connectionString);
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
