using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OpenIddict.Server;
using TokenService.Data;
using TokenService.Options;

namespace TokenService.Database;

/// <summary>
/// Whether the database is ready for requests: reachable, migrated, the built-in clients registered and the keys
/// loaded. Until then every request but health is answered 503 — never passed on to OpenIddict, which would
/// remember a failure to load its keys for the life of the process — and this service keeps trying, so an instance
/// started before its database was up or migrated becomes ready by itself, without a restart.
/// </summary>
public sealed partial class DatabaseReadiness(
    IServiceScopeFactory scopes,
    IOptions<DatabaseOptions> options,
    IOptionsMonitorCache<OpenIddictServerOptions> serverOptionsCache,
    IServiceProvider services,
    IHostApplicationLifetime lifetime,
    ILogger<DatabaseReadiness> logger) : BackgroundService
{
    /// <summary>How long to wait between attempts while the database is not ready.</summary>
    internal static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(1);

    private volatile string? _notReady = "The database has not been checked yet.";

    /// <summary>True once the database was found ready; it stays true (outages later are answered per request).</summary>
    public bool IsReady => _notReady is null;

    /// <summary>Why the service is not ready, or <c>null</c>.</summary>
    public string? Reason => _notReady;

    /// <summary>One attempt; true when the database is ready. Throws only for a setting that cannot work.</summary>
    public async Task<bool> TryInitializeAsync(CancellationToken cancellationToken)
    {
        if (IsReady)
        {
            return true;
        }

        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<TokenServiceDbContext>();
            if (options.Value.ShouldAutoMigrate)
            {
                await DataExtensions.MigrateAsync(db, cancellationToken);
            }
            else if ((await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList() is { Count: > 0 } pending)
            {
                NotReady($"{pending.Count} migration(s) pending: {string.Join(", ", pending)}. Apply them (TokenService migrate, or the idempotent script).");
                return false;
            }

            foreach (var rows in scope.ServiceProvider.GetServices<IStartupRows>())
            {
                await rows.EnsureAsync(migrateCommand: false, cancellationToken);
            }

            // The keys are read (or generated) now: a key that cannot be read stops the start with its message
            // instead of failing the first request.
            _ = services.GetRequiredService<IOptionsMonitor<OpenIddictServerOptions>>().CurrentValue;
            _notReady = null;
            Log.Ready(logger);
            return true;
        }
        catch (Exception exception) when (exception is not InvalidSettingException && DatabaseFailures.IsUnavailable(exception) ||
                                          exception is OperationCanceledException && !lifetime.ApplicationStopping.IsCancellationRequested)
        {
            // Options are cached with their failure: forget it, so the next attempt loads the keys again.
            serverOptionsCache.Clear();
            NotReady($"The database cannot be reached ({DatabaseFailures.Describe(exception)}).");
            return false;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!IsReady && !stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(RetryInterval, stoppingToken);
                await TryInitializeAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (InvalidSettingException exception)
            {
                // Found only now because the database was down at start: end the process as a bad setting at start would.
                await Console.Error.WriteLineAsync(InvalidSettingException.Describe(exception));
                Environment.ExitCode = 1;
                lifetime.StopApplication();
                return;
            }
            catch (Exception exception)
            {
                // Neither a setting nor an outage: a fault this loop cannot cure. Stop with a failing exit code so that
                // a supervisor restarts the process (a faulted background service alone would end it with code 0).
                Log.Failed(logger, exception);
                Environment.ExitCode = 1;
                lifetime.StopApplication();
                return;
            }
        }
    }

    private void NotReady(string reason)
    {
        if (_notReady != reason)
        {
            Log.NotReady(logger, reason);
        }

        _notReady = reason;
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Warning, Message = "Not ready: {Reason} Retrying every second.")]
        public static partial void NotReady(ILogger logger, string reason);

        [LoggerMessage(Level = LogLevel.Critical, Message = "Preparing the database failed; the service stops.")]
        public static partial void Failed(ILogger logger, Exception exception);

        [LoggerMessage(Level = LogLevel.Information, Message = "The database is ready.")]
        public static partial void Ready(ILogger logger);
    }
}

/// <summary>
/// Rows the service needs before it serves (its built-in clients), ensured by whichever room owns them once the schema
/// is ready: at start, and by the <c>migrate</c> command for those that need no other setting.
/// </summary>
public interface IStartupRows
{
    Task EnsureAsync(bool migrateCommand, CancellationToken cancellationToken);
}
