using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace TokenService.Tests.Infrastructure;

/// <summary>
/// The built service binary (beside the tests), run as an operator runs it: its own process, settings from
/// environment variables, a free loopback port. Its output is kept for assertions and failure messages.
/// </summary>
public sealed class ServiceProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private int _disposed;

    private ServiceProcess(Process process, Uri address)
    {
        _process = process;
        Address = address;
        Http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
    }

    public Uri Address { get; }

    public HttpClient Http { get; }

    public int Port => Address.Port;

    public bool HasExited => _process.HasExited;

    /// <summary>Everything the process wrote so far (stdout and stderr).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>The settings every test process gets: plain HTTP on loopback, the test superuser, quiet logs.</summary>
    public static Dictionary<string, string?> BaseEnvironment() => new()
    {
        ["ASPNETCORE_ENVIRONMENT"] = "Testing",
        ["Superuser__Password"] = TokenServiceFactory.SuperuserPassword,
        ["Transport__AllowHttp"] = "true",
        ["Pruning__Enabled"] = "false",
        ["Logging__LogLevel__Default"] = "Warning",
    };

    /// <summary>A free loopback port (free when asked; the process binds it right after).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Starts the service and, when <paramref name="waitUntilReady"/>, waits for <c>/health/ready</c>.</summary>
    public static async Task<ServiceProcess> StartAsync(IDictionary<string, string?> environment, bool waitUntilReady = true, int? port = null)
    {
        var address = new Uri($"http://127.0.0.1:{port ?? FreePort()}");
        var start = Info([], environment);
        start.Environment["ASPNETCORE_URLS"] = address.ToString();
        var service = new ServiceProcess(Process.Start(start)!, address);
        service.Capture();
        if (!waitUntilReady)
        {
            return service;
        }

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var ready = await service.Http.GetAsync("/health/ready");
                if (ready.IsSuccessStatusCode)
                {
                    return service;
                }
            }
            catch (HttpRequestException)
            {
            }

            if (service.HasExited)
            {
                break;
            }

            await Task.Delay(100);
        }

        var message = service.HasExited
            ? $"The service exited with {service._process.ExitCode} before it was ready: {service.Output}"
            : $"The service did not become ready within 30 s: {service.Output}";
        service.Dispose();
        throw new InvalidOperationException(message);
    }

    /// <summary>Runs the binary with <paramref name="arguments"/> until it exits (a command, or a start that must fail).</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunToExitAsync(IEnumerable<string> arguments,
        IDictionary<string, string?> environment, TimeSpan? timeout = null)
    {
        var start = Info(arguments, environment);
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{FreePort()}";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"The service did not exit: {await stdout} {await stderr}");
        }

        return (process.ExitCode, await stdout, await stderr);
    }

    private static ProcessStartInfo Info(IEnumerable<string> arguments, IDictionary<string, string?> environment)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "TokenService.dll"), .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        foreach (var (key, value) in environment)
        {
            if (value is null)
            {
                start.Environment.Remove(key);
            }
            else
            {
                start.Environment[key] = value;
            }
        }

        return start;
    }

    private void Capture()
    {
        void Append(object _, DataReceivedEventArgs e)
        {
            if (e.Data is not null)
            {
                lock (_output)
                {
                    _output.AppendLine(e.Data);
                }
            }
        }

        _process.OutputDataReceived += Append;
        _process.ErrorDataReceived += Append;
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>SIGKILL: no shutdown, no flush, no disposal — what a power cut does to the process.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.WaitForExit();
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        Kill();
        Http.Dispose();
        _process.Dispose();
    }
}
