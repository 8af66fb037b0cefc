using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace TokenService.Tests.Infrastructure;

/// <summary>
/// A throwaway PostgreSQL server from the installed binaries (Debian's <c>postgresql</c> package): a cluster in a
/// temporary directory, listening on a free loopback port, started once for the test run and stopped (and deleted)
/// when the run ends. Where the binaries are missing, tests that need it are skipped with the reason — unless
/// <c>TOKENSERVICE_REQUIRE_SERVERS=1</c> (CI), where they run and fail instead.
/// </summary>
public sealed class PostgresServer : IDisposable
{
    /// <summary>Set by CI: a missing server binary is a failure, not a skip.</summary>
    public const string RequireVariable = "TOKENSERVICE_REQUIRE_SERVERS";

    private static readonly Lazy<PostgresServer> Shared = new(StartNew);

    private readonly string _directory;
    private readonly string _bin;
    private readonly bool _asPostgresUser;
    private int _stopped;

    private PostgresServer(string directory, string bin, bool asPostgresUser, int port)
    {
        _directory = directory;
        _bin = bin;
        _asPostgresUser = asPostgresUser;
        Port = port;
    }

    /// <summary>The run's server, started on first use.</summary>
    public static PostgresServer Instance => Shared.Value;

    public int Port { get; }

    /// <summary>Why the server cannot run here (binaries missing), or <c>null</c>.</summary>
    public static string? UnavailableReason => BinDirectory() is null
        ? "PostgreSQL's binaries (initdb, pg_ctl) are not installed: apt-get install postgresql. CI installs them and fails instead of skipping."
        : null;

    /// <summary>Whether a test should be skipped: the binaries are missing and CI did not ask for them.</summary>
    public static string? SkipReason =>
        Environment.GetEnvironmentVariable(RequireVariable) == "1" ? null : UnavailableReason;

    /// <summary>A connection string to a database of this server (created by EF Core's migrations when missing).</summary>
    public string ConnectionString(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Username = "postgres",
        Database = database,
        Timeout = 5,

        // Test hosts come and go by the dozen: keep each one's pool small so the server's connection slots suffice.
        MaxPoolSize = 20,
    }.ConnectionString;

    /// <summary>Stops the server (fast shutdown) so tests can see what the service does without its database.</summary>
    public void Stop() => PgCtl("stop", "-m", "fast", "-w");

    /// <summary>Starts it again on the same port and data.</summary>
    public void Restart() => PgCtl("start", "-w", "-t", "30", "-l", Path.Combine(_directory, "server.log"), "-o", Options());

    private string Options() =>
        $"-p {Port} -c listen_addresses=127.0.0.1 -k {Path.Combine(_directory, "sock")} -c max_connections=400 -c shared_buffers=64MB";

    /// <summary>A server of the caller's own (for tests that stop and restart it); disposed by the caller.</summary>
    public static PostgresServer StartNew()
    {
        var bin = BinDirectory() ?? throw new InvalidOperationException(UnavailableReason);
        SweepLeftovers(bin);
        var directory = Path.Combine(Path.GetTempPath(), Prefix + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path.Combine(directory, "sock"));

        // The test host may be killed before its exit handlers run: the next run stops what this one leaves behind.
        File.WriteAllText(Path.Combine(directory, "owner.pid"), Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));

        // PostgreSQL refuses to run as root: as root, the cluster belongs to the postgres user the package created.
        var asPostgresUser = Environment.UserName == "root";
        if (asPostgresUser)
        {
            Run("chown", "-R", "postgres:postgres", directory);
        }

        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var server = new PostgresServer(directory, bin, asPostgresUser, port);
        try
        {
            server.Exec(Path.Combine(bin, "initdb"), "-D", Path.Combine(directory, "data"), "-U", "postgres", "--auth=trust",
                "--encoding=UTF8", "--locale=C", "--no-sync");
            server.Restart();
        }
        catch
        {
            server.Dispose();
            throw;
        }

        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.Dispose();
        return server;
    }

    private const string Prefix = "tokenservice-pg-";

    /// <summary>Stops and deletes the servers of earlier runs whose test host is gone.</summary>
    private static void SweepLeftovers(string bin)
    {
        foreach (var directory in Directory.GetDirectories(Path.GetTempPath(), Prefix + "*"))
        {
            var ownerFile = Path.Combine(directory, "owner.pid");
            if (File.Exists(ownerFile) && int.TryParse(File.ReadAllText(ownerFile), out var owner) && IsRunning(owner))
            {
                continue;
            }

            var leftover = new PostgresServer(directory, bin, Environment.UserName == "root", 0);
            leftover.Dispose();
        }
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>Drops a database of this server (its pooled connections closed first).</summary>
    public void DropDatabase(string connectionString)
    {
        NpgsqlConnection.ClearPool(new NpgsqlConnection(connectionString));
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database;
        using var session = new NpgsqlConnection(ConnectionString("postgres") + ";Pooling=false");
        session.Open();
        using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", session);
        command.ExecuteNonQuery();
    }

    private void PgCtl(params string[] arguments) =>
        Exec(Path.Combine(_bin, "pg_ctl"), ["-D", Path.Combine(_directory, "data"), .. arguments]);

    private void Exec(string program, params string[] arguments)
    {
        if (_asPostgresUser)
        {
            Run("runuser", ["-u", "postgres", "--", program, .. arguments]);
        }
        else
        {
            Run(program, arguments);
        }
    }

    private static void Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', arguments)} did not finish within 60 s.");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{program} {string.Join(' ', arguments)} exited with {process.ExitCode}: {output.Result} {error.Result}");
        }
    }

    private static string? BinDirectory()
    {
        const string root = "/usr/lib/postgresql";
        var fromPackage = Directory.Exists(root)
            ? Directory.GetDirectories(root).Select(d => Path.Combine(d, "bin"))
                .Where(d => File.Exists(Path.Combine(d, "initdb")) && File.Exists(Path.Combine(d, "pg_ctl")))
                .OrderByDescending(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var v) ? v : 0)
                .FirstOrDefault()
            : null;
        return fromPackage;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }

        if (File.Exists(Path.Combine(_directory, "data", "postmaster.pid")))
        {
            try
            {
                PgCtl("stop", "-m", "immediate", "-w");
            }
            catch (Exception exception) when (exception is InvalidOperationException or TimeoutException)
            {
                // Already stopped.
            }
        }

        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>A test that needs a real PostgreSQL: skipped, with the reason, only where its binaries are missing (and not in CI).</summary>
public sealed class PostgreSqlFactAttribute : FactAttribute
{
    public PostgreSqlFactAttribute()
    {
        if (PostgresServer.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}
