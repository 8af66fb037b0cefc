using System.Net;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using TokenService.OAuth;
using TokenService.Security;

namespace TokenService.Micro;

/// <summary>
/// What the deployment-wide limits cost a request: the budgets every request passes (in memory, each instance taking
/// its share), the brute-force check every authentication makes (in memory), and what a failed authentication adds
/// by counting in the shared database (here SQLite; a server database adds its round trips).
/// </summary>
[MemoryDiagnoser]
public class SharedLimits
{
    private readonly string _database = Path.Combine(Path.GetTempPath(), $"tokenservice-micro-limits-{Guid.NewGuid():N}.db");
    private readonly IPAddress _address = IPAddress.Parse("198.51.100.7");
    private WebApplicationFactory<ValidatedTokenCache> _factory = null!;
    private RequestBudgets _budgets = null!;
    private FailedAttempts _attempts = null!;
    private int _failures;

    [GlobalSetup]
    public void Setup()
    {
        _factory = new WebApplicationFactory<ValidatedTokenCache>().WithWebHostBuilder(builder =>
        {
            builder.UseEnvironment("Production");
            builder.UseSetting("ConnectionStrings:TokenService", $"Data Source={_database}");
            builder.UseSetting("Superuser:Password", "micro-superuser-password");
            builder.UseSetting("Transport:AllowHttp", "true");
            builder.UseSetting("Pruning:Enabled", "false");
            builder.UseSetting("Logging:LogLevel:Default", "Warning");
            builder.UseSetting("BruteForce:MaxFailuresPerIdentity", "100000");
            builder.UseSetting("BruteForce:MaxFailuresPerAddress", "1000000");
        });
        _ = _factory.Server;
        _budgets = _factory.Services.GetRequiredService<RequestBudgets>();
        _attempts = _factory.Services.GetRequiredService<FailedAttempts>();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _factory.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var suffix in (string[])["", "-wal", "-shm"])
        {
            File.Delete(_database + suffix);
        }
    }

    /// <summary>An authenticated request: charged on arrival to its address, refunded, charged to its credential.</summary>
    [Benchmark]
    public bool AuthenticatedRequestBudgets()
    {
        var context = new DefaultHttpContext();
        var admitted = _budgets.TryTakeForAddress(context, _address) & _budgets.TryTakeForCredential(context, "app_benchmark-client");
        _budgets.RefundAddress(context);
        return admitted;
    }

    /// <summary>The brute-force check before a secret or password is verified: two in-memory lookups.</summary>
    [Benchmark]
    public TimeSpan? BruteForceCheck() => _attempts.RetryAfter(BruteForceHandlers.ClientIdentity("app_benchmark-client"), _address);

    /// <summary>A failed authentication counted in the shared database (two counters: identity at address, and address).</summary>
    [Benchmark]
    public Task FailureCountedInTheDatabase() =>
        _attempts.RecordFailureAsync(BruteForceHandlers.ClientIdentity("app_guess-" + (_failures++ % 64)), _address);
}
