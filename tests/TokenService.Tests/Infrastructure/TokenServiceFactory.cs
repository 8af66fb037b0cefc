using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;

namespace TokenService.Tests.Infrastructure;

/// <summary>
/// A real host of the service over a real SQLite file of its own. Tests share one per collection
/// (see <see cref="SharedHost"/>); tests that need their own database or clock make their own.
/// </summary>
public sealed class TokenServiceFactory : WebApplicationFactory<Program>
{
    public const string SuperuserPassword = "test-superuser-password";

    private readonly Dictionary<string, string?> _settings;
    private readonly bool _ownsDatabase;

    public TokenServiceFactory()
        : this(null, null)
    {
    }

    internal TokenServiceFactory(string? databasePath, IDictionary<string, string?>? settings)
    {
        _ownsDatabase = databasePath is null;
        DatabasePath = databasePath ?? Path.Combine(Path.GetTempPath(), $"tokenservice-test-{Guid.NewGuid():N}.db");
        _settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:TokenService"] = $"Data Source={DatabasePath}",
            ["Superuser:Password"] = SuperuserPassword,
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }
    }

    public string DatabasePath { get; }

    /// <summary>The service's clock: tests move it instead of sleeping.</summary>
    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureServices(services => services.Replace(ServiceDescriptor.Singleton<TimeProvider>(Clock)));
    }

    /// <summary>A client of this host with helpers for the service's flows.</summary>
    public ServiceClient CreateServiceClient() => new(CreateClient());

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (!_ownsDatabase)
        {
            return;
        }

        foreach (var suffix in (string[])["", "-wal", "-shm"])
        {
            File.Delete(DatabasePath + suffix);
        }
    }
}

/// <summary>The host most tests share: creating it costs a database and a key pair, once.</summary>
[CollectionDefinition(Name)]
public sealed class SharedHost : ICollectionFixture<TokenServiceFactory>
{
    public const string Name = "service";
}
