using System.Diagnostics;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using TokenService.Tests.Infrastructure;
using Xunit.Abstractions;

namespace TokenService.Tests.Security;

/// <summary>
/// The service as a child process, killed with SIGKILL while it issues and revokes tokens under load, then started
/// again on the same database: every token answered 200 must still be active, every revocation answered 200 must
/// still hold, and the database must pass SQLite's integrity check.
/// </summary>
public sealed class CrashTests(ITestOutputHelper output)
{
    private const int Cycles = 3;
    private const int Workers = 8;

    [Fact]
    public async Task Service_KilledMidLoadAndRestarted_LosesNoAnsweredTokenOrRevocation()
    {
        // Arrange
        var database = Guid.NewGuid().ToString("N");
        var issued = new ConcurrentDictionary<string, byte>();
        var revoked = new ConcurrentDictionary<string, byte>();
        var unsure = new ConcurrentDictionary<string, byte>();
        Credentials? app = null;
        Credentials? org = null;
        try
        {
            for (var cycle = 0; cycle < Cycles; cycle++)
            {
                using var service = await StartAsync(database);
                if (app is null)
                {
                    (org, app) = await SeedAsync(service.Http);
                }

                // Act: load from several workers, then SIGKILL mid-run.
                using var stop = new CancellationTokenSource();
                var before = issued.Count;
                var load = Enumerable.Range(0, Workers).Select(_ => Task.Run(() => LoadAsync(service.Address, app, issued, revoked, unsure, stop.Token))).ToList();

                // Killed once the load is well under way — at least 1.5 s and two tokens per worker — however slow the
                // machine is today (a fixed delay left a loaded machine with a handful of tokens to check).
                var started = Stopwatch.StartNew();
                while (started.Elapsed < TimeSpan.FromSeconds(1.5) ||
                       issued.Count - before < 2 * Workers && started.Elapsed < TimeSpan.FromSeconds(20))
                {
                    await Task.Delay(50);
                }

                service.Kill();
                await stop.CancelAsync();
                await Task.WhenAll(load);
            }

            // Assert: a last start on the same database, then every answered outcome checked.
            using var final = await StartAsync(database);
            var lostTokens = new List<string>();
            var lostRevocations = new List<string>();
            foreach (var token in issued.Keys.Where(t => !unsure.ContainsKey(t)))
            {
                var active = await IsActiveAsync(final.Http, org!, token);
                if (revoked.ContainsKey(token) == active)
                {
                    (revoked.ContainsKey(token) ? lostRevocations : lostTokens).Add(token[..8]);
                }
            }

            output.WriteLine($"{Cycles} SIGKILL cycles survived; {issued.Count} tokens answered 200, {revoked.Count} revocations answered 200, " +
                             $"{issued.Count - unsure.Count} outcomes checked after restart.");
            Assert.True(issued.Count > Cycles * Workers, $"The load issued too few tokens to prove anything ({issued.Count}).");
            Assert.NotEmpty(revoked);
            Assert.Empty(lostTokens);
            Assert.Empty(lostRevocations);
            Assert.Equal("ok", await IntegrityAsync(database));
        }
        finally
        {
            TestDatabase.DeleteSqlite(database);
        }
    }

    private static async Task<(Credentials Org, Credentials App)> SeedAsync(HttpClient http)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/management/orgs")
        {
            Content = JsonContent.Create(new { organization = ServiceClient.UniqueName("crash")[..20] }),
        };
        request.Headers.Authorization = ServiceClient.Superuser;
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var sandbox = body.GetProperty("sandbox");
        return (new Credentials(body.GetProperty("client_id").GetString()!, body.GetProperty("client_secret").GetString()!),
                new Credentials(sandbox.GetProperty("client_id").GetString()!, sandbox.GetProperty("client_secret").GetString()!));
    }

    /// <summary>Issues tokens and revokes every third, recording only what the service answered with 200.</summary>
    private static async Task LoadAsync(Uri address, Credentials app, ConcurrentDictionary<string, byte> issued,
        ConcurrentDictionary<string, byte> revoked, ConcurrentDictionary<string, byte> unsure, CancellationToken stop)
    {
        using var http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(10) };
        var basic = ServiceClient.BasicOf(app);
        for (var i = 0; !stop.IsCancellationRequested; i++)
        {
            string token;
            try
            {
                using var response = await PostAsync(http, "/token", basic, ("grant_type", "client_credentials"));
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    continue;
                }

                token = (await response.Content.ReadFromJsonAsync<JsonElement>(CancellationToken.None)).GetProperty("access_token").GetString()!;
                issued[token] = 0;
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException or IOException or JsonException)
            {
                return; // the service is gone; nothing was answered
            }

            if (i % 3 != 0)
            {
                continue;
            }

            unsure[token] = 0; // from now until a 200, nobody knows whether the revocation landed
            try
            {
                using var response = await PostAsync(http, "/revoke", basic, ("token", token));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    revoked[token] = 0;
                    unsure.TryRemove(token, out _);
                }
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException or IOException)
            {
                return;
            }
        }
    }

    private static async Task<HttpResponseMessage> PostAsync(HttpClient http, string path, AuthenticationHeaderValue auth, params (string Key, string Value)[] fields)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new FormUrlEncodedContent(fields.Select(f => new KeyValuePair<string, string>(f.Key, f.Value))),
        };
        request.Headers.Authorization = auth;
        return await http.SendAsync(request);
    }

    private static async Task<bool> IsActiveAsync(HttpClient http, Credentials caller, string token)
    {
        using var response = await PostAsync(http, "/introspect", ServiceClient.BasicOf(caller), ("token", token));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("active").GetBoolean();
    }

    private static async Task<string> IntegrityAsync(string database)
    {
        await using var connection = new SqliteConnection($"Data Source={TestDatabase.SqlitePath(database)};Pooling=false");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA integrity_check;";
        return (string)(await command.ExecuteScalarAsync())!;
    }

    private static Task<ServiceProcess> StartAsync(string database)
    {
        var environment = ServiceProcess.BaseEnvironment();
        environment["ConnectionStrings__TokenService"] = $"Data Source={TestDatabase.SqlitePath(database)}";
        environment["RateLimits__Enabled"] = "false";
        return ServiceProcess.StartAsync(environment);
    }
}
