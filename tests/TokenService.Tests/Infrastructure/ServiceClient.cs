using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace TokenService.Tests.Infrastructure;

/// <summary>Credentials shown once by the service.</summary>
public sealed record Credentials(string ClientId, string ClientSecret);

/// <summary>An organization created for a test, with its org client and sandbox app client.</summary>
public sealed record TestOrg(string Name, Credentials Client, Credentials Sandbox);

/// <summary>An HTTP client of the service with the flows most tests need.</summary>
public sealed class ServiceClient(HttpClient http) : IDisposable
{
    public HttpClient Http { get; } = http;

    public static string UniqueName(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    public static AuthenticationHeaderValue Basic(string id, string secret) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Uri.EscapeDataString(id)}:{Uri.EscapeDataString(secret)}")));

    public static AuthenticationHeaderValue Superuser => Basic("superuser", TokenServiceFactory.SuperuserPassword);

    public async Task<TestOrg> CreateOrgAsync(string? name = null)
    {
        name ??= UniqueName("org");
        using var response = await SendAsync(HttpMethod.Post, "/management/orgs", Superuser, new { organization = name });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var sandbox = body.GetProperty("sandbox");
        return new TestOrg(name,
            new Credentials(body.GetProperty("client_id").GetString()!, body.GetProperty("client_secret").GetString()!),
            new Credentials(sandbox.GetProperty("client_id").GetString()!, sandbox.GetProperty("client_secret").GetString()!));
    }

    public async Task<Credentials> CreateAppAsync(TestOrg org, string name)
    {
        using var response = await SendAsync(HttpMethod.Post, $"/management/orgs/{org.Name}/apps",
            Basic(org.Client.ClientId, org.Client.ClientSecret), new { name });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return new Credentials(body.GetProperty("client_id").GetString()!, body.GetProperty("client_secret").GetString()!);
    }

    public async Task<Credentials> CreateResourceServerAsync(TestOrg org, string name)
    {
        using var response = await SendAsync(HttpMethod.Post, $"/management/orgs/{org.Name}/resource-servers",
            Basic(org.Client.ClientId, org.Client.ClientSecret), new { name });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return new Credentials(body.GetProperty("client_id").GetString()!, body.GetProperty("client_secret").GetString()!);
    }

    /// <summary>POST /token with client_credentials and HTTP Basic; returns the raw response.</summary>
    public Task<HttpResponseMessage> RequestTokenAsync(Credentials client, params (string Key, string Value)[] extra)
    {
        var form = new List<KeyValuePair<string, string>> { new("grant_type", "client_credentials") };
        form.AddRange(extra.Select(p => new KeyValuePair<string, string>(p.Key, p.Value)));
        var request = new HttpRequestMessage(HttpMethod.Post, "/token") { Content = new FormUrlEncodedContent(form) };
        request.Headers.Authorization = Basic(client.ClientId, client.ClientSecret);
        return Http.SendAsync(request);
    }

    public async Task<JsonElement> GetTokenResponseAsync(Credentials client, params (string Key, string Value)[] extra)
    {
        using var response = await RequestTokenAsync(client, extra);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.IsSuccessStatusCode, body.ToString());
        return body;
    }

    public async Task<string> GetTokenAsync(Credentials client) =>
        (await GetTokenResponseAsync(client)).GetProperty("access_token").GetString()!;

    /// <summary>POST /introspect authenticated by <paramref name="caller"/> with HTTP Basic.</summary>
    public async Task<JsonElement> IntrospectAsync(Credentials caller, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/introspect")
        {
            Content = new FormUrlEncodedContent([new("token", token)]),
        };
        request.Headers.Authorization = Basic(caller.ClientId, caller.ClientSecret);
        using var response = await Http.SendAsync(request);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToString());
        return body;
    }

    public async Task<bool> IsActiveAsync(Credentials caller, string token) =>
        (await IntrospectAsync(caller, token)).GetProperty("active").GetBoolean();

    public async Task<HttpResponseMessage> RevokeAsync(Credentials caller, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/revoke")
        {
            Content = new FormUrlEncodedContent([new("token", token)]),
        };
        request.Headers.Authorization = Basic(caller.ClientId, caller.ClientSecret);
        return await Http.SendAsync(request);
    }

    public Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, AuthenticationHeaderValue? auth = null, object? json = null)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = auth;
        if (json is not null)
        {
            request.Content = JsonContent.Create(json);
        }

        return Http.SendAsync(request);
    }

    public static AuthenticationHeaderValue Bearer(string token) => new("Bearer", token);

    public static AuthenticationHeaderValue BasicOf(Credentials c) => Basic(c.ClientId, c.ClientSecret);

    public void Dispose() => Http.Dispose();
}

/// <summary>Assertions on the service's JSON error bodies.</summary>
public static class ErrorAssert
{
    public static async Task<JsonElement> HasErrorAsync(HttpResponseMessage response, HttpStatusCode status, string error)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"Expected {(int)status}, got {(int)response.StatusCode}: {text}");
        var body = JsonSerializer.Deserialize<JsonElement>(text);
        Assert.Equal(error, body.GetProperty("error").GetString());
        Assert.False(string.IsNullOrEmpty(body.GetProperty("error_description").GetString()));
        return body;
    }
}
