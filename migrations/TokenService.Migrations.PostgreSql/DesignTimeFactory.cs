using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using TokenService.Data;

namespace TokenService.Migrations.PostgreSql;

/// <summary>
/// Lets <c>dotnet ef</c> build the context for PostgreSQL without a server or the service's configuration:
/// generating migrations and scripts needs only the model.
/// </summary>
internal sealed class DesignTimeFactory : IDesignTimeDbContextFactory<TokenServiceDbContext>
{
    public TokenServiceDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<TokenServiceDbContext>()
            .UseNpgsql("Host=design-time;Database=tokenservice", Provider.Configure)
            .UseOpenIddict()
            .Options);
}

/// <summary>How the service points EF Core at this migrations assembly.</summary>
public static class Provider
{
    public static void Configure(Npgsql.EntityFrameworkCore.PostgreSQL.Infrastructure.NpgsqlDbContextOptionsBuilder options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.MigrationsAssembly(typeof(Provider).Assembly.GetName().Name);
    }
}
