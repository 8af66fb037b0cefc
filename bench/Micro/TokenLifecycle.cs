using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Abstractions;
using TokenService.OAuth;

namespace TokenService.Micro;

/// <summary>
/// Token creation and lookup through the real service, hosted in process over a fresh SQLite file (no sockets, so
/// only the service's own work is timed): issuing a token (generation, group-committed insert with its audit row),
/// introspecting it from the validated-token cache and from its row, and the bare store lookup by reference.
/// </summary>
[MemoryDiagnoser]
public class TokenLifecycle
{
    private readonly string _database = Path.Combine(Path.GetTempPath(), $"tokenservice-micro-{Guid.NewGuid():N}.db");
    // Any type of the service's assembly names it to the factory (this project has a Program of its own).
    private WebApplicationFactory<ValidatedTokenCache> _factory = null!;
    private HttpClient _http = null!;
    private AuthenticationHeaderValue _app = null!;
    private AuthenticationHeaderValue _server = null!;
    private string _token = "";

    [GlobalSetup]
    public void Setup()
    {
        _factory = new WebApplicationFactory<ValidatedTokenCache>().WithWebHostBuilder(builder =>
        {
            builder.UseEnvironment("Production");
            foreach (var (key, value) in new Dictionary<string, string>
                     {
                         ["ConnectionStrings:TokenService"] = $"Data Source={_database}",
                         ["Superuser:Password"] = "micro-superuser-password",
                         ["Transport:AllowHttp"] = "true",
                         ["RateLimits:AddressPerSecond"] = "10000000",
                         ["Pruning:Enabled"] = "false",
                         ["Logging:LogLevel:Default"] = "Warning",
                     })
            {
                builder.UseSetting(key, value);
            }
        });
        _http = _factory.CreateClient();
        var superuser = Basic("superuser", "micro-superuser-password");
        var org = Send(HttpMethod.Post, "/management/orgs", superuser, new { organization = "micro" });
        var orgClient = Basic(org.GetProperty("client_id").GetString()!, org.GetProperty("client_secret").GetString()!);
        var app = org.GetProperty("sandbox");
        _app = Basic(app.GetProperty("client_id").GetString()!, app.GetProperty("client_secret").GetString()!);
        var server = Send(HttpMethod.Post, "/management/orgs/micro/resource-servers", orgClient, new { name = "api" });
        _server = Basic(server.GetProperty("client_id").GetString()!, server.GetProperty("client_secret").GetString()!);
        _token = IssueToken();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _http.Dispose();
        _factory.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var suffix in (string[])["", "-wal", "-shm"])
        {
            File.Delete(_database + suffix);
        }
    }

    /// <summary>POST /token, client credentials: answered after the group commit holding the row.</summary>
    [Benchmark]
    public string IssueToken() =>
        Form("/token", _app, ("grant_type", "client_credentials")).GetProperty("access_token").GetString()!;

    /// <summary>POST /introspect of a token validated within the last second: no database read for the token.</summary>
    [Benchmark]
    public bool IntrospectCached() => Form("/introspect", _server, ("token", _token)).GetProperty("active").GetBoolean();

    /// <summary>POST /introspect with the validated-token cache emptied first: the row is read and the payload checked.</summary>
    [Benchmark]
    public bool IntrospectFromRow()
    {
        _factory.Services.GetRequiredService<ValidatedTokenCache>().Invalidate();
        return Form("/introspect", _server, ("token", _token)).GetProperty("active").GetBoolean();
    }

    /// <summary>OpenIddict's token manager finding the row by reference (digest of the bearer value).</summary>
    [Benchmark]
    public object? StoreLookup()
    {
        using var scope = _factory.Services.CreateScope();
        return scope.ServiceProvider.GetRequiredService<IOpenIddictTokenManager>().FindByReferenceIdAsync(_token).AsTask().GetAwaiter().GetResult();
    }

    private JsonElement Form(string path, AuthenticationHeaderValue auth, params (string Key, string Value)[] fields)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new FormUrlEncodedContent(fields.Select(f => new KeyValuePair<string, string>(f.Key, f.Value))),
        };
        request.Headers.Authorization = auth;
        // The in-process test server has no synchronous path.
        using var response = _http.SendAsync(request).GetAwaiter().GetResult();
        response.EnsureSuccessStatusCode();
        return response.Content.ReadFromJsonAsync<JsonElement>().GetAwaiter().GetResult();
    }

    private JsonElement Send(HttpMethod method, string path, AuthenticationHeaderValue auth, object body)
    {
        using var request = new HttpRequestMessage(method, path) { Content = JsonContent.Create(body) };
        request.Headers.Authorization = auth;
        // The in-process test server has no synchronous path.
        using var response = _http.SendAsync(request).GetAwaiter().GetResult();
        response.EnsureSuccessStatusCode();
        return response.Content.ReadFromJsonAsync<JsonElement>().GetAwaiter().GetResult();
    }

    private static AuthenticationHeaderValue Basic(string id, string secret) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Uri.EscapeDataString(id)}:{Uri.EscapeDataString(secret)}")));
}
