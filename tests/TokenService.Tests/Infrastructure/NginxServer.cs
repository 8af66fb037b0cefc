using System.Diagnostics;

namespace TokenService.Tests.Infrastructure;

/// <summary>
/// A throwaway nginx (Debian's package) in front of the service: the repository's own
/// <c>deploy/nginx/tokenservice.conf.template</c>, rendered with this test's instances, a self-signed certificate
/// and a free loopback port, in a temporary directory; stopped and deleted on dispose.
/// </summary>
public sealed class NginxServer : IDisposable
{
    private const string Binary = "/usr/sbin/nginx";

    private readonly Process _process;
    private readonly string _directory;

    private NginxServer(Process process, string directory, int port)
    {
        _process = process;
        _directory = directory;
        Port = port;
    }

    public int Port { get; }

    /// <summary>The self-signed certificate nginx serves (clients trust exactly this one).</summary>
    public string CertificatePath => Path.Combine(_directory, "cert.pem");

    /// <summary>Why nginx cannot run here, or <c>null</c>.</summary>
    public static string? UnavailableReason => File.Exists(Binary) && File.Exists("/usr/bin/openssl")
        ? null
        : "nginx (and openssl) are not installed: apt-get install nginx-light. CI installs them and fails instead of skipping.";

    /// <summary>The nginx error log so far (for failure messages).</summary>
    public string ErrorLog => File.Exists(Path.Combine(_directory, "error.log")) ? File.ReadAllText(Path.Combine(_directory, "error.log")) : "";

    /// <param name="upstreams">The instances' loopback ports.</param>
    /// <param name="bindAddress">The loopback address nginx connects to the instances from (their trusted proxy).</param>
    /// <param name="port">The loopback port to serve on (a free one when not given).</param>
    public static async Task<NginxServer> StartAsync(IEnumerable<int> upstreams, string bindAddress, int? port = null)
    {
        var directory = Path.Combine(Path.GetTempPath(), "tokenservice-nginx-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(directory);
        await RunAsync("/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", Path.Combine(directory, "key.pem"), "-out", Path.Combine(directory, "cert.pem"), "-days", "1", "-subj", "/CN=127.0.0.1");

        var listen = port ?? ServiceProcess.FreePort();
        var template = await File.ReadAllTextAsync(Path.Combine(Data.MigrationsTests.RepositoryRoot(), "deploy", "nginx", "tokenservice.conf.template"));
        var rendered = template
            .Replace("${TOKENSERVICE_LISTEN}", $"127.0.0.1:{listen}", StringComparison.Ordinal)
            .Replace("${TOKENSERVICE_SERVERS}", string.Concat(upstreams.Select(p => $"server 127.0.0.1:{p} max_fails=1 fail_timeout=2s; ")), StringComparison.Ordinal)
            .Replace("${TOKENSERVICE_CERTIFICATE}", Path.Combine(directory, "cert.pem"), StringComparison.Ordinal)
            .Replace("${TOKENSERVICE_CERTIFICATE_KEY}", Path.Combine(directory, "key.pem"), StringComparison.Ordinal);
        Assert.DoesNotContain("${TOKENSERVICE_", rendered, StringComparison.Ordinal);
        await File.WriteAllTextAsync(Path.Combine(directory, "tokenservice.conf"), rendered);

        // The main configuration an operator's distribution provides; here everything lives in the temporary directory.
        await File.WriteAllTextAsync(Path.Combine(directory, "nginx.conf"), $$"""
            worker_processes 1;
            pid {{directory}}/nginx.pid;
            error_log {{directory}}/error.log warn;
            {{(Environment.UserName == "root" ? "user root;" : "")}}
            events { worker_connections 1024; }
            http {
                access_log off;
                client_body_temp_path {{directory}}/body;
                proxy_temp_path {{directory}}/proxy;
                fastcgi_temp_path {{directory}}/fastcgi;
                uwsgi_temp_path {{directory}}/uwsgi;
                scgi_temp_path {{directory}}/scgi;
                proxy_bind {{bindAddress}};
                include {{directory}}/tokenservice.conf;
            }
            """);

        var start = new ProcessStartInfo(Binary, ["-c", Path.Combine(directory, "nginx.conf"), "-p", directory, "-g", "daemon off;"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var process = Process.Start(start)!;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new NginxServer(process, directory, listen);
        for (var attempt = 0; attempt < 100; attempt++)
        {
            try
            {
                using var probe = new System.Net.Sockets.TcpClient();
                await probe.ConnectAsync(System.Net.IPAddress.Loopback, listen);
                return server;
            }
            catch (System.Net.Sockets.SocketException)
            {
                if (process.HasExited)
                {
                    break;
                }

                await Task.Delay(50);
            }
        }

        var log = server.ErrorLog;
        server.Dispose();
        throw new InvalidOperationException($"nginx did not start: {log}");
    }

    private static async Task RunAsync(string program, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var error = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{program} failed: {await error}");
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>A test that needs PostgreSQL and nginx: skipped, with the reason, only where they are missing (and not in CI).</summary>
public sealed class TopologyFactAttribute : FactAttribute
{
    public TopologyFactAttribute()
    {
        if (Environment.GetEnvironmentVariable(PostgresServer.RequireVariable) != "1" &&
            (PostgresServer.UnavailableReason ?? NginxServer.UnavailableReason) is { } reason)
        {
            Skip = reason;
        }
    }
}
