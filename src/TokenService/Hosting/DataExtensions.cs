using Microsoft.EntityFrameworkCore;
using TokenService.Data;
using TokenService.Options;

namespace TokenService.Hosting;

/// <summary>Registers the database and prepares it when the service starts.</summary>
public static class DataExtensions
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

        builder.Services.AddDbContext<TokenServiceDbContext>(options =>
        {
            _ = provider switch
            {
                DatabaseProvider.SqlServer => options.UseSqlServer(connectionString),
                _ => options.UseSqlite(string.IsNullOrWhiteSpace(connectionString) ? DefaultSqliteConnection : connectionString),
            };
            options.UseOpenIddict();
        });
        return builder;
    }

    /// <summary>
    /// Creates the schema when it is missing and registers the superuser as an OpenIddict client,
    /// so the superuser can authenticate at <c>/introspect</c> and <c>/revoke</c> like any other client.
    /// </summary>
    public static async Task InitializeDatabaseAsync(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TokenServiceDbContext>();
        await db.Database.EnsureCreatedAsync();
        if (db.Database.IsSqlite())
        {
            // WAL lets readers proceed while a write commits; it is a property of the file, so set once.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;");
        }

        await scope.ServiceProvider.GetRequiredService<Callers.BuiltInClients>().EnsureRegisteredAsync();
    }
}
