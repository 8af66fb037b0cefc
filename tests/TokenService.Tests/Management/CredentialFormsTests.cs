using System.Net;
using System.Net.Http.Headers;
using TokenService.Tests.Infrastructure;

namespace TokenService.Tests.Management;

/// <summary>§4: every way of presenting credentials to a protected endpoint, and every way it fails.</summary>
[Collection(SharedHost.Name)]
public sealed class CredentialFormsTests(TokenServiceFactory factory) : IDisposable
{
    private readonly ServiceClient _client = factory.CreateServiceClient();

    private static string AppPath(TestOrg org) => $"/management/orgs/{org.Name}/apps/sandbox";

    [Fact]
    public async Task BearerHeader_Authenticates()
    {
        var org = await _client.CreateOrgAsync();
        var token = await _client.GetTokenAsync(org.Sandbox);

        using var response = await _client.SendAsync(HttpMethod.Get, AppPath(org), ServiceClient.Bearer(token));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task AccessTokenQuery_Authenticates()
    {
        var org = await _client.CreateOrgAsync();
        var token = await _client.GetTokenAsync(org.Sandbox);

        using var response = await _client.Http.GetAsync($"{AppPath(org)}?access_token={token}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task AccessTokenInForm_Authenticates()
    {
        var org = await _client.CreateOrgAsync();
        var token = await _client.GetTokenAsync(org.Client);
        using var content = new FormUrlEncodedContent([new("access_token", token)]);

        using var response = await _client.Http.PostAsync($"/management/orgs/{org.Name}/revoketokens", content);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task ClientIdAndSecretInQuery_AuthenticatesAsThatClient()
    {
        var org = await _client.CreateOrgAsync();

        using var response = await _client.Http.GetAsync(
            $"{AppPath(org)}?client_id={org.Sandbox.ClientId}&client_secret={org.Sandbox.ClientSecret}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task ClientIdAndSecretInForm_AuthenticatesAsThatClient()
    {
        var org = await _client.CreateOrgAsync();
        using var content = new FormUrlEncodedContent([
            new("client_id", org.Client.ClientId), new("client_secret", org.Client.ClientSecret)]);

        using var response = await _client.Http.PostAsync($"/management/orgs/{org.Name}/revoketokens", content);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task BasicWithClientOrSuperuser_Authenticates()
    {
        var org = await _client.CreateOrgAsync();

        using var asClient = await _client.SendAsync(HttpMethod.Get, AppPath(org), ServiceClient.BasicOf(org.Client));
        using var asSuperuser = await _client.SendAsync(HttpMethod.Get, AppPath(org), ServiceClient.Superuser);

        Assert.Equal(HttpStatusCode.OK, asClient.StatusCode);
        Assert.Equal(HttpStatusCode.OK, asSuperuser.StatusCode);
    }

    [Fact]
    public async Task TokenInHeaderAndQuery_Is400InvalidRequest()
    {
        var org = await _client.CreateOrgAsync();
        var token = await _client.GetTokenAsync(org.Sandbox);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{AppPath(org)}?access_token={token}");
        request.Headers.Authorization = ServiceClient.Bearer(token);

        using var response = await _client.Http.SendAsync(request);

        await ErrorAssert.HasErrorAsync(response, HttpStatusCode.BadRequest, "invalid_request");
    }

    [Fact]
    public async Task TokenInQueryAndForm_Is400InvalidRequest()
    {
        var org = await _client.CreateOrgAsync();
        var token = await _client.GetTokenAsync(org.Client);
        using var content = new FormUrlEncodedContent([new("access_token", token)]);

        using var response = await _client.Http.PostAsync($"/management/orgs/{org.Name}/revoketokens?access_token={token}", content);

        await ErrorAssert.HasErrorAsync(response, HttpStatusCode.BadRequest, "invalid_request");
    }

    [Fact]
    public async Task RepeatedAccessToken_Is400InvalidRequest()
    {
        var org = await _client.CreateOrgAsync();
        var token = await _client.GetTokenAsync(org.Sandbox);

        using var response = await _client.Http.GetAsync($"{AppPath(org)}?access_token={token}&access_token={token}");

        await ErrorAssert.HasErrorAsync(response, HttpStatusCode.BadRequest, "invalid_request");
    }

    [Fact]
    public async Task ClientIdWithoutSecret_Is400InvalidRequest()
    {
        var org = await _client.CreateOrgAsync();

        using var response = await _client.Http.GetAsync($"{AppPath(org)}?client_id={org.Sandbox.ClientId}");

        await ErrorAssert.HasErrorAsync(response, HttpStatusCode.BadRequest, "invalid_request");
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.")]
    public async Task MalformedBearer_Is401AuthBadAccessToken(string token)
    {
        var org = await _client.CreateOrgAsync();

        using var response = await _client.SendAsync(HttpMethod.Get, AppPath(org), ServiceClient.Bearer(token));

        await ErrorAssert.HasErrorAsync(response, HttpStatusCode.Unauthorized, "auth_bad_access_token");
        Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "Bearer" && h.Parameter!.Contains("invalid_token", StringComparison.Ordinal));
    }

    [Fact]
    public async Task UnknownOrRevokedToken_Is401AuthInvalid()
    {
        var org = await _client.CreateOrgAsync();
        var token = await _client.GetTokenAsync(org.Sandbox);
        using var revoke = await _client.RevokeAsync(org.Sandbox, token);

        using var revoked = await _client.SendAsync(HttpMethod.Get, AppPath(org), ServiceClient.Bearer(token));
        using var unknown = await _client.SendAsync(HttpMethod.Get, AppPath(org), ServiceClient.Bearer(new string('A', 43)));

        await ErrorAssert.HasErrorAsync(revoked, HttpStatusCode.Unauthorized, "auth_invalid");
        await ErrorAssert.HasErrorAsync(unknown, HttpStatusCode.Unauthorized, "auth_invalid");
    }

    [Fact]
    public async Task WrongClientSecret_Is401InvalidClient_InEveryForm()
    {
        var org = await _client.CreateOrgAsync();

        using var basic = await _client.SendAsync(HttpMethod.Get, AppPath(org), ServiceClient.Basic(org.Sandbox.ClientId, "wrong"));
        using var query = await _client.Http.GetAsync($"{AppPath(org)}?client_id={org.Sandbox.ClientId}&client_secret=wrong");
        using var superuser = await _client.SendAsync(HttpMethod.Get, AppPath(org), ServiceClient.Basic("superuser", "wrong-password"));

        await ErrorAssert.HasErrorAsync(basic, HttpStatusCode.Unauthorized, "invalid_client");
        Assert.Contains(basic.Headers.WwwAuthenticate, h => h.Scheme == "Basic");
        await ErrorAssert.HasErrorAsync(query, HttpStatusCode.Unauthorized, "invalid_client");
        await ErrorAssert.HasErrorAsync(superuser, HttpStatusCode.Unauthorized, "invalid_client");
    }

    [Theory]
    [InlineData("Basic !!!notbase64")]
    [InlineData("Basic bm9jb2xvbg==")]
    [InlineData("Digest abc")]
    [InlineData("Bearer")]
    public async Task MalformedAuthorizationHeader_Is401(string header)
    {
        var org = await _client.CreateOrgAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, AppPath(org));
        request.Headers.TryAddWithoutValidation("Authorization", header);

        using var response = await _client.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.True(response.Headers.WwwAuthenticate.Count > 0);
    }

    [Fact]
    public async Task NoCredentials_Is401Unauthorized()
    {
        var org = await _client.CreateOrgAsync();

        using var response = await _client.Http.GetAsync(AppPath(org));

        await ErrorAssert.HasErrorAsync(response, HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task WrongTenant_Is403Unauthorized_InEveryForm()
    {
        var org = await _client.CreateOrgAsync();
        var other = await _client.CreateOrgAsync();
        var sibling = await _client.CreateAppAsync(org, "sibling");
        var server = await _client.CreateResourceServerAsync(org, "api");
        var otherToken = await _client.GetTokenAsync(other.Client);

        AuthenticationHeaderValue[] callers =
        [
            ServiceClient.Bearer(otherToken), ServiceClient.BasicOf(other.Client), ServiceClient.BasicOf(other.Sandbox),
            ServiceClient.BasicOf(sibling), ServiceClient.BasicOf(server),
        ];
        foreach (var caller in callers)
        {
            using var response = await _client.SendAsync(HttpMethod.Get, AppPath(org), caller);
            await ErrorAssert.HasErrorAsync(response, HttpStatusCode.Forbidden, "unauthorized");
        }
    }

    public void Dispose() => _client.Dispose();
}
