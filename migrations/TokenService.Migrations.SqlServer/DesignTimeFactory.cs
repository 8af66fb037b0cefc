using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using TokenService.Data;

namespace TokenService.Migrations.SqlServer;

/// <summary>
/// Lets <c>dotnet ef</c> build the context for SQL Server without a server or the service's configuration:
/// generating migrations and scripts needs only the model.
/// </summary>
internal sealed class DesignTimeFactory : IDesignTimeDbContextFactory<TokenServiceDbContext>
{
    public TokenServiceDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<TokenServiceDbContext>()
            .UseSqlServer("Server=(design-time);Database=TokenService", Provider.Configure)
            .UseOpenIddict()
            .Options);
}

/// <summary>How the service points EF Core at this migrations assembly.</summary>
public static class Provider
{
    public static void Configure(Microsoft.EntityFrameworkCore.Infrastructure.SqlServerDbContextOptionsBuilder options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.MigrationsAssembly(typeof(Provider).Assembly.GetName().Name);
    }
}
