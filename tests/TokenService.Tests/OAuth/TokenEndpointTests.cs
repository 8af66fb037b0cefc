using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using TokenService.Tests.Infrastructure;

namespace TokenService.Tests.OAuth;

[Collection(SharedHost.Name)]
public sealed class TokenEndpointTests(TokenServiceFactory factory) : IDisposable
{
    private readonly ServiceClient _client = factory.CreateServiceClient();

    [Fact]
    public async Task Token_AppClientWithBasic_IssuesBearerWithDefaultLifetime()
    {
        var org = await _client.CreateOrgAsync();

        var body = await _client.GetTokenResponseAsync(org.Sandbox);

        Assert.Equal("Bearer", body.GetProperty("token_type").GetString());
        Assert.Equal(604800, body.GetProperty("expires_in").GetInt64());
        Assert.Equal(43, body.GetProperty("access_token").GetString()!.Length);
    }

    [Fact]
    public async Task Token_OrgClientWithClientSecretPost_IssuesToken()
    {
        var org = await _client.CreateOrgAsync();

        using var response = await _client.PostFormAsync("/token", null,
            ("grant_type", "client_credentials"), ("client_id", org.Client.ClientId), ("client_secret", org.Client.ClientSecret));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var introspection = await _client.IntrospectAsync(org.Client, body.GetProperty("access_token").GetString()!);
        Assert.Equal("org_client", introspection.GetProperty("principal_type").GetString());
        Assert.Equal(org.Name, introspection.GetProperty("org").GetString());
        Assert.False(introspection.TryGetProperty("app", out _));
    }

    [Fact]
    public async Task Token_BasicCredentialsFormUrlEncoded_AreDecodedBeforeChecking()
    {
        var org = await _client.CreateOrgAsync();
        // RFC 6749 §2.3.1: "_" percent-encoded must still match the id.
        var encodedId = org.Sandbox.ClientId.Replace("_", "%5F", StringComparison.Ordinal);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/token")
        {
            Content = new FormUrlEncodedContent([new("grant_type", "client_credentials")]),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{encodedId}:{org.Sandbox.ClientSecret}")));

        using var response = await _client.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Token_WrongSecretWithBasic_Is401InvalidClientWithChallenge()
    {
        var org = await _client.CreateOrgAsync();

        using var response = await _client.RequestTokenAsync(org.Sandbox with { ClientSecret = "wrong" });

        await ErrorAssert.HasErrorAsync(response, HttpStatusCode.Unauthorized, "invalid_client");
        Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "Basic");
    }

    [Fact]
    public async Task Token_WrongSecretInBody_Is401InvalidClient()
    {
        var org = await _client.CreateOrgAsync();

        using var response = await _client.PostFormAsync("/token", null,
            ("grant_type", "client_credentials"), ("client_id", org.Sandbox.ClientId), ("client_secret", "wrong"));

        await ErrorAssert.HasErrorAsync(response, HttpStatusCode.Unauthorized, "invalid_client");
    }

    [Fact]
    public async Task Token_UnknownClient_Is401InvalidClient()
    {
        using var response = await _client.RequestTokenAsync(new Credentials("app_doesnotexist", "secret"));

        await ErrorAssert.HasErrorAsync(response, HttpStatusCode.Unauthorized, "invalid_client");
    }

    [Fact]
    public async Task Token_UnsupportedGrantType_Is400()
    {
        var org = await _client.CreateOrgAsync();

        using var response = await _client.PostFormAsync("/token", ServiceClient.BasicOf(org.Sandbox), ("grant_type", "urn:example:unknown"));

        await ErrorAssert.HasErrorAsync(response, HttpStatusCode.BadRequest, "unsupported_grant_type");
    }

    [Fact]
    public async Task Token_MissingGrantType_Is400InvalidRequest()
    {
        var org = await _client.CreateOrgAsync();

        using var response = await _client.PostFormAsync("/token", ServiceClient.BasicOf(org.Sandbox));

        await ErrorAssert.HasErrorAsync(response, HttpStatusCode.BadRequest, "invalid_request");
    }

    [Fact]
    public async Task Token_JsonBody_Is400InvalidRequest()
    {
        using var response = await _client.Http.PostAsJsonAsync("/token", new { grant_type = "client_credentials" });

        await ErrorAssert.HasErrorAsync(response, HttpStatusCode.BadRequest, "invalid_request");
    }

    [Fact]
    public async Task Token_ResourceServerCredential_IsRefused()
    {
        var org = await _client.CreateOrgAsync();
        var server = await _client.CreateResourceServerAsync(org, "api");

        using var response = await _client.RequestTokenAsync(server);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("unauthorized_client", body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Token_Superuser_CannotObtainClientToken()
    {
        using var response = await _client.RequestTokenAsync(new Credentials("superuser", TokenServiceFactory.SuperuserPassword));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Theory]
    [InlineData("/.well-known/openid-configuration")]
    [InlineData("/.well-known/oauth-authorization-server")]
    public async Task Discovery_BothWellKnownPaths_NameEndpointsAndAuthMethods(string path)
    {
        var body = await _client.Http.GetFromJsonAsync<JsonElement>(path);

        Assert.EndsWith("/token", body.GetProperty("token_endpoint").GetString(), StringComparison.Ordinal);
        Assert.EndsWith("/introspect", body.GetProperty("introspection_endpoint").GetString(), StringComparison.Ordinal);
        Assert.EndsWith("/revoke", body.GetProperty("revocation_endpoint").GetString(), StringComparison.Ordinal);
        var methods = body.GetProperty("token_endpoint_auth_methods_supported").EnumerateArray().Select(m => m.GetString()).ToList();
        Assert.Equal(["client_secret_basic", "client_secret_post"], methods);
    }

    public void Dispose() => _client.Dispose();
}
