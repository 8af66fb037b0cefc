using System.Net;
using System.Net.Http.Headers;
using TokenService.Tests.Infrastructure;

namespace TokenService.Tests.Compat;

/// <summary>Each of Usergrid's error codes, as existing SDKs meet them on Usergrid's own paths.</summary>
[Collection(SharedHost.Name)]
public sealed class UsergridErrorCodeTests(TokenServiceFactory factory) : IDisposable
{
    private readonly ServiceClient _client = factory.CreateServiceClient();

    [Fact]
    public async Task MalformedToken_IsAuthBadAccessToken_WithBearerChallenge()
    {
        var org = await _client.CreateOrgAsync();

        using var response = await _client.Http.GetAsync($"/{org.Name}/sandbox/users/me?access_token=not-a-token");

        await ErrorAssert.HasErrorAsync(response, HttpStatusCode.Unauthorized, "auth_bad_access_token");
        Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "Bearer");
    }

    [Fact]
    public async Task UnknownToken_IsAuthInvalid()
    {
        var org = await _client.CreateOrgAsync();

        using var response = await _client.Http.GetAsync($"/{org.Name}/sandbox/users/me?access_token={new string('x', 43)}");

        await ErrorAssert.HasErrorAsync(response, HttpStatusCode.Unauthorized, "auth_invalid");
    }

    [Fact]
    public async Task WrongClientSecretInQuery_IsInvalidClient()
    {
        var org = await _client.CreateOrgAsync();

        using var response = await _client.Http.GetAsync($"/{org.Name}/sandbox?client_id={org.Sandbox.ClientId}&client_secret=wrong");

        await ErrorAssert.HasErrorAsync(response, HttpStatusCode.Unauthorized, "invalid_client");
    }

    [Fact]
    public async Task NoCredentialsOnSecuredApp_IsUnauthorized401_WithChallenge()
    {
        var org = await _client.CreateOrgAsync();
        await _client.CreateAppAsync(org, "shop");

        using var response = await _client.Http.GetAsync($"/{org.Name}/shop/users");

        await ErrorAssert.HasErrorAsync(response, HttpStatusCode.Unauthorized, "unauthorized");
        Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "Bearer");
    }

    [Fact]
    public async Task AuthenticatedWithoutPower_IsUnauthorized403()
    {
        var org = await _client.CreateOrgAsync();
        var other = await _client.CreateOrgAsync();

        using var response = await _client.SendAsync(HttpMethod.Get, $"/{org.Name}/sandbox/users", ServiceClient.BasicOf(other.Client));

        await ErrorAssert.HasErrorAsync(response, HttpStatusCode.Forbidden, "unauthorized");
    }

    [Fact]
    public async Task TokenInHeaderAndQuery_IsInvalidRequest400()
    {
        var org = await _client.CreateOrgAsync();
        await _client.CreateAppUserAsync(org, "sandbox", "bob");
        var token = await _client.AppUserTokenAsync(org, "sandbox", "bob");
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/{org.Name}/sandbox/users/me?access_token={token}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);

        using var response = await _client.Http.SendAsync(request);

        await ErrorAssert.HasErrorAsync(response, HttpStatusCode.BadRequest, "invalid_request");
    }

    [Fact]
    public async Task DuplicateEmailInApp_IsConflict()
    {
        var org = await _client.CreateOrgAsync();
        using var first = await _client.SendAsync(HttpMethod.Post, $"/{org.Name}/sandbox/users", null, new { username = "one", email = "same@example.com", password = "long-enough" });

        using var second = await _client.SendAsync(HttpMethod.Post, $"/{org.Name}/sandbox/users", null, new { username = "two", email = "SAME@example.com", password = "long-enough" });

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        await ErrorAssert.HasErrorAsync(second, HttpStatusCode.Conflict, "duplicate_unique_property_exists");
    }

    public void Dispose() => _client.Dispose();
}
