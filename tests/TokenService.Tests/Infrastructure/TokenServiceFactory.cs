using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;

namespace TokenService.Tests.Infrastructure;

/// <summary>
/// A real host of the service over a real database of its own (see <see cref="TestDatabase"/>). Tests share one
/// per collection (see <see cref="SharedHost"/>); tests that need their own database or clock make their own.
/// </summary>
public sealed class TokenServiceFactory : WebApplicationFactory<Program>
{
    public const string SuperuserPassword = "test-superuser-password";

    private readonly Dictionary<string, string?> _settings;
    private readonly bool _ownsDatabase;
    private readonly TestEngine _engine;

    public TokenServiceFactory()
        : this(null, null)
    {
    }

    /// <param name="database">A database name shared by hosts that must see the same data; null for a new one of its own.</param>
    /// <param name="settings">Settings on top of the test defaults.</param>
    /// <param name="engine">The database engine, whatever the suite-wide switch says.</param>
    internal TokenServiceFactory(string? database, IDictionary<string, string?>? settings, TestEngine? engine = null)
    {
        _ownsDatabase = database is null;
        Database = database ?? Guid.NewGuid().ToString("N");
        _engine = engine ?? TestDatabase.Engine;
        _settings = TestDatabase.Settings(Database, _engine);
        _settings["Superuser:Password"] = SuperuserPassword;

        // Tests prune explicitly, with their own clock, rather than on a timer.
        _settings["Pruning:Enabled"] = "false";

        // The test server speaks plain HTTP from no address at all: every test would share one rate-limit partition.
        // Transport and rate limits have tests of their own (Security/).
        _settings["Transport:AllowHttp"] = "true";
        _settings["RateLimits:CredentialPerSecond"] = "10000000";
        _settings["RateLimits:AddressPerSecond"] = "10000000";
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }
    }

    /// <summary>The name of this host's database (a SQLite file, or a PostgreSQL or SQL Server database).</summary>
    public string Database { get; }

    /// <summary>Services a test adds or replaces (an EF Core interceptor, say), before the host is built.</summary>
    internal Action<IServiceCollection>? ExtraServices { get; init; }

    /// <summary>The service's clock: tests move it instead of sleeping.</summary>
    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureServices(services =>
        {
            services.Replace(ServiceDescriptor.Singleton<TimeProvider>(Clock));
            services.AddSingleton<IStartupFilter, TestRemoteAddress>();
            ExtraServices?.Invoke(services);
        });
    }

    /// <summary>The header tests use to call from a given remote address (the test server has none of its own).</summary>
    public const string RemoteAddressHeader = "X-Test-Remote-Address";

    /// <summary>Sets the connection's remote address from <see cref="RemoteAddressHeader"/>, before anything else runs.</summary>
    private sealed class TestRemoteAddress : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextMiddleware) =>
            {
                if (System.Net.IPAddress.TryParse(context.Request.Headers[RemoteAddressHeader], out var address))
                {
                    context.Connection.RemoteIpAddress = address;
                }

                return nextMiddleware(context);
            });
            next(app);
        };
    }

    /// <summary>A client of this host with helpers for the service's flows.</summary>
    public ServiceClient CreateServiceClient() => new(CreateClient());

    /// <summary>A client whose requests come from <paramref name="remoteAddress"/>.</summary>
    public ServiceClient CreateServiceClient(string remoteAddress)
    {
        var http = CreateClient();
        http.DefaultRequestHeaders.Add(RemoteAddressHeader, remoteAddress);
        return new(http);
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (_ownsDatabase && _engine == TestEngine.Sqlite)
        {
            TestDatabase.DeleteSqlite(Database);
        }
        else if (_ownsDatabase && _engine == TestEngine.PostgreSql)
        {
            PostgresServer.Instance.DropDatabase(_settings["ConnectionStrings:TokenService"]!);
        }
    }
}

/// <summary>The host most tests share: creating it costs a database and a key pair, once.</summary>
[CollectionDefinition(Name)]
public sealed class SharedHost : ICollectionFixture<TokenServiceFactory>
{
    public const string Name = "service";
}
