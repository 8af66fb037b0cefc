using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using TokenService.Data;

namespace TokenService.Migrations.Sqlite;

/// <summary>Lets <c>dotnet ef</c> build the context for SQLite without the service's configuration.</summary>
internal sealed class DesignTimeFactory : IDesignTimeDbContextFactory<TokenServiceDbContext>
{
    public TokenServiceDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<TokenServiceDbContext>()
            .UseSqlite("Data Source=design-time.db", Provider.Configure)
            .UseOpenIddict()
            .Options);
}

/// <summary>How the service points EF Core at this migrations assembly.</summary>
public static class Provider
{
    public static void Configure(Microsoft.EntityFrameworkCore.Infrastructure.SqliteDbContextOptionsBuilder options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.MigrationsAssembly(typeof(Provider).Assembly.GetName().Name);
    }
}
