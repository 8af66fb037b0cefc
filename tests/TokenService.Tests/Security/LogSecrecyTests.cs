using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TokenService.Tests.Infrastructure;

namespace TokenService.Tests.Security;

/// <summary>
/// Captures every log line, at the most verbose level, of a run through every flow that handles a secret, a password
/// or a token, and searches them for each one used.
/// </summary>
public sealed class LogSecrecyTests
{
    [Fact]
    public async Task FullRun_AtTraceLevel_LogsNoSecretPasswordOrToken()
    {
        var sink = new CapturingLoggerProvider();
        // Every category an operator could turn up, named one by one: a more specific rule in appsettings.json
        // (Microsoft.AspNetCore: Warning) would otherwise win over "Microsoft" and hide what it writes.
        await using var factory = new TokenServiceFactory(null, new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Trace",
            ["Logging:LogLevel:Microsoft"] = "Trace",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Trace",
            ["Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics"] = "Trace",
            ["Logging:LogLevel:Microsoft.AspNetCore.Server.Kestrel"] = "Trace",
            ["Logging:LogLevel:Microsoft.EntityFrameworkCore"] = "Trace",
            ["Logging:LogLevel:System"] = "Trace",
            ["Logging:LogLevel:OpenIddict"] = "Trace",
            ["Logging:LogLevel:TokenService"] = "Trace",
            ["Logging:LogLevel:TokenService.Requests"] = "Trace",
        });
        using var host = factory.WithWebHostBuilder(b => b.ConfigureServices(s => s.AddLogging(l => l.AddProvider(sink).SetMinimumLevel(LogLevel.Trace))));
        using var client = new ServiceClient(host.CreateClient());
        var secrets = new List<string> { TokenServiceFactory.SuperuserPassword, "bob-password-123", "admin-password-1" };

        var org = await client.CreateOrgAsync();
        secrets.AddRange([org.Client.ClientSecret, org.Sandbox.ClientSecret]);
        var server = await client.CreateResourceServerAsync(org, "api");
        secrets.Add(server.ClientSecret);
        using (var signUp = await client.SendAsync(HttpMethod.Post, $"/{org.Name}/sandbox/users", null, new { username = "bob", password = "bob-password-123" }))
        {
            signUp.EnsureSuccessStatusCode();
        }

        using (var admin = await client.SendAsync(HttpMethod.Post, "/management/users", ServiceClient.Superuser,
            new { username = "log-admin", email = "log-admin@example.com", password = "admin-password-1" }))
        {
            admin.EnsureSuccessStatusCode();
        }

        var appToken = await client.GetTokenAsync(org.Sandbox);
        var user = await client.PasswordTokenAsync($"/{org.Name}/sandbox/token", "bob", "bob-password-123");
        var adminToken = await client.AdminTokenAsync("log-admin", "admin-password-1");
        secrets.AddRange([appToken, adminToken, user.GetProperty("access_token").GetString()!, user.GetProperty("refresh_token").GetString()!]);
        using (var refreshed = await client.PostFormAsync($"/{org.Name}/sandbox/token", null,
            ("grant_type", "refresh_token"), ("refresh_token", user.GetProperty("refresh_token").GetString()!)))
        {
            var body = await refreshed.Content.ReadFromJsonAsync<JsonElement>();
            secrets.AddRange([body.GetProperty("access_token").GetString()!, body.GetProperty("refresh_token").GetString()!]);
        }

        await client.IntrospectAsync(server, appToken);
        using (var me = await client.Http.GetAsync($"/{org.Name}/sandbox/users/me?access_token={user.GetProperty("access_token").GetString()}")) { }
        using (var check = await client.SendAsync(HttpMethod.Post, "/access/check", ServiceClient.BasicOf(server),
            new { org = org.Name, app = "sandbox", client_id = org.Sandbox.ClientId, client_secret = org.Sandbox.ClientSecret })) { }
        using (var wrong = await client.RequestTokenAsync(org.Sandbox with { ClientSecret = "wrong-secret-value" })) { }
        secrets.Add("wrong-secret-value");
        using (var rotate = await client.SendAsync(HttpMethod.Post, $"/management/orgs/{org.Name}/apps/sandbox/credentials", ServiceClient.BasicOf(org.Client)))
        {
            secrets.Add((await rotate.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("client_secret").GetString()!);
        }

        using (var revoke = await client.RevokeAsync(org.Client, appToken)) { }

        // Secrets in query strings, where Usergrid clients put them: a password grant by GET, a token, a client's id and secret.
        var statuses = new List<System.Net.HttpStatusCode>();
        foreach (var url in (string[])[
                     $"/{org.Name}/sandbox/token?grant_type=password&username=bob&password=bob-password-123",
                     $"/{org.Name}/sandbox/users/me?access_token={user.GetProperty("access_token").GetString()}",
                     $"/{org.Name}/sandbox/users/bob?client_id={org.Sandbox.ClientId}&client_secret={Uri.EscapeDataString(org.Sandbox.ClientSecret)}",
                 ])
        {
            using var response = await client.Http.GetAsync(url);
            statuses.Add(response.StatusCode);
        }

        Assert.Equal([System.Net.HttpStatusCode.OK, System.Net.HttpStatusCode.OK, System.Net.HttpStatusCode.Unauthorized], statuses); // the last secret was rotated above

        var lines = sink.Lines.ToList();
        Assert.True(lines.Count > 100, $"Only {lines.Count} log lines were captured: the capture is not working.");
        Assert.Contains(lines, line => line.StartsWith("TokenService.Requests GET /", StringComparison.Ordinal) &&
                                       line.Contains("/sandbox/users/me answered 200", StringComparison.Ordinal));

        // Each secret as it travels: raw, form- and URL-encoded, and inside an HTTP Basic header.
        var forms = secrets.Distinct().SelectMany(secret => new[]
        {
            secret, Uri.EscapeDataString(secret), System.Net.WebUtility.UrlEncode(secret),
        }).Concat(secrets.Distinct().SelectMany(secret => new[]
        {
            Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{org.Sandbox.ClientId}:{Uri.EscapeDataString(secret)}")),
            Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{org.Client.ClientId}:{Uri.EscapeDataString(secret)}")),
            Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{server.ClientId}:{Uri.EscapeDataString(secret)}")),
            Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"superuser:{Uri.EscapeDataString(secret)}")),
        })).Where(form => form.Length >= 12).Distinct().ToList();
        var leaks = forms.SelectMany(secret => lines.Where(line => line.Contains(secret, StringComparison.Ordinal))
            .Select(line => $"{secret[..Math.Min(6, secret.Length)]}…: {line[..Math.Min(300, line.Length)]}")).ToList();
        Assert.True(leaks.Count == 0, $"{leaks.Count} log lines contain a secret:\n" + string.Join("\n", leaks.Take(10)));
    }

    [Fact]
    public void ProductionLogging_IsNotMadeMoreVerboseByTheClamp()
    {
        using var factory = new TokenServiceFactory(null, null);
        using var client = factory.CreateClient();

        var logger = factory.Services.GetRequiredService<ILoggerFactory>().CreateLogger("OpenIddict.Server.OpenIddictServerDispatcher");

        Assert.False(logger.IsEnabled(LogLevel.Information));
        Assert.True(logger.IsEnabled(LogLevel.Warning));
    }

    private sealed class CapturingLoggerProvider : ILoggerProvider
    {
        public ConcurrentQueue<string> Lines { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, Lines);

        public void Dispose()
        {
        }

        private sealed class Logger(string category, ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull
            {
                // Scopes too: a sink that records them puts their values next to every line.
                lines.Enqueue($"{category} scope {state}");
                if (state is IEnumerable<KeyValuePair<string, object?>> values)
                {
                    foreach (var (key, value) in values)
                    {
                        lines.Enqueue($"{category} scope {key}={JsonSerializer.Serialize(value?.ToString())}");
                    }
                }

                return null;
            }

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                lines.Enqueue($"{category} {formatter(state, exception)} {exception}");
                if (state is IEnumerable<KeyValuePair<string, object?>> values)
                {
                    // Structured values too: a sink that stores them (not just the message) must not receive a secret.
                    foreach (var (key, value) in values)
                    {
                        lines.Enqueue($"{category} {key}={JsonSerializer.Serialize(value?.ToString())}");
                    }
                }
            }
        }
    }
}
