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

    /// <summary>Creates an app user through the management API as the org client; returns its uuid.</summary>
    public async Task<Guid> CreateAppUserAsync(TestOrg org, string app, string username, string password = "user-password")
    {
        using var response = await SendAsync(HttpMethod.Post, $"/management/orgs/{org.Name}/apps/{app}/users",
            BasicOf(org.Client), new { username, password });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("uuid").GetGuid();
    }

    /// <summary>Creates an admin user (as the superuser) and makes it an admin of <paramref name="org"/>.</summary>
    public async Task<Guid> CreateAdminAsync(TestOrg? org, string username, string password = "admin-password")
    {
        using var response = await SendAsync(HttpMethod.Post, "/management/users", Superuser,
            new { username, email = $"{username}@example.com", password });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("uuid").GetGuid();
        if (org is not null)
        {
            using var add = await SendAsync(HttpMethod.Post, $"/management/orgs/{org.Name}/users/{username}", Superuser);
            Assert.Equal(HttpStatusCode.OK, add.StatusCode);
        }

        return id;
    }

    /// <summary>A password-grant token response from a Usergrid path, sent as JSON.</summary>
    public async Task<JsonElement> PasswordTokenAsync(string path, string username, string password = "user-password")
    {
        using var response = await SendAsync(HttpMethod.Post, path, null, new { grant_type = "password", username, password });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.IsSuccessStatusCode, body.ToString());
        return body;
    }

    public async Task<string> AppUserTokenAsync(TestOrg org, string app, string username, string password = "user-password") =>
        (await PasswordTokenAsync($"/{org.Name}/{app}/token", username, password)).GetProperty("access_token").GetString()!;

    public async Task<string> AdminTokenAsync(string username, string password = "admin-password") =>
        (await PasswordTokenAsync("/management/token", username, password)).GetProperty("access_token").GetString()!;

    /// <summary>POST /token with client_credentials and HTTP Basic; returns the raw response.</summary>
    public Task<HttpResponseMessage> RequestTokenAsync(Credentials client, params (string Key, string Value)[] extra) =>
        PostFormAsync("/token", BasicOf(client), [("grant_type", "client_credentials"), .. extra]);

    /// <summary>POSTs an <c>application/x-www-form-urlencoded</c> body, as OAuth clients do.</summary>
    public async Task<HttpResponseMessage> PostFormAsync(string path, AuthenticationHeaderValue? auth, params (string Key, string Value)[] fields)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new FormUrlEncodedContent(fields.Select(f => new KeyValuePair<string, string>(f.Key, f.Value))),
        };
        request.Headers.Authorization = auth;
        return await Http.SendAsync(request);
    }

    /// <summary>POST /token with the password grant, the client authenticating with HTTP Basic.</summary>
    public Task<HttpResponseMessage> RequestPasswordAsync(Credentials client, string username, string password) =>
        PostFormAsync("/token", BasicOf(client), ("grant_type", "password"), ("username", username), ("password", password));

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
        using var response = await PostFormAsync("/introspect", BasicOf(caller), ("token", token));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToString());
        return body;
    }

    public async Task<bool> IsActiveAsync(Credentials caller, string token) =>
        (await IntrospectAsync(caller, token)).GetProperty("active").GetBoolean();

    public Task<HttpResponseMessage> RevokeAsync(Credentials caller, string token) =>
        PostFormAsync("/revoke", BasicOf(caller), ("token", token));

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
