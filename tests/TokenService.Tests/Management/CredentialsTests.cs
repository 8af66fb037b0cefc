using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using TokenService.Tests.Infrastructure;

namespace TokenService.Tests.Management;

[Collection(SharedHost.Name)]
public sealed class CredentialsTests(TokenServiceFactory factory) : IDisposable
{
    private readonly ServiceClient _client = factory.CreateServiceClient();

    [Fact]
    public async Task GetCredentials_ShowsIdAndIssueTimeNeverSecret()
    {
        var org = await _client.CreateOrgAsync();

        var orgCredentials = await (await _client.SendAsync(HttpMethod.Get, $"/management/orgs/{org.Name}/credentials", ServiceClient.BasicOf(org.Client)))
            .Content.ReadFromJsonAsync<JsonElement>();
        var appCredentials = await (await _client.SendAsync(HttpMethod.Get, $"/management/orgs/{org.Name}/apps/sandbox/credentials", ServiceClient.BasicOf(org.Sandbox)))
            .Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(org.Client.ClientId, orgCredentials.GetProperty("client_id").GetString());
        Assert.Equal(org.Sandbox.ClientId, appCredentials.GetProperty("client_id").GetString());
        Assert.True(orgCredentials.TryGetProperty("secret_issued_at", out _));
        Assert.False(orgCredentials.TryGetProperty("client_secret", out _));
        Assert.False(appCredentials.TryGetProperty("client_secret", out _));
    }

    [Fact]
    public async Task RegenerateAppSecret_OldSecretFailsEverywhereAtOnce_TokensStay()
    {
        var org = await _client.CreateOrgAsync();
        var token = await _client.GetTokenAsync(org.Sandbox);

        var fresh = await RegenerateAsync(org, $"/management/orgs/{org.Name}/apps/sandbox/credentials");

        using var oldAtToken = await _client.RequestTokenAsync(org.Sandbox);
        using var oldAtManagement = await _client.SendAsync(HttpMethod.Get, $"/management/orgs/{org.Name}/apps/sandbox", ServiceClient.BasicOf(org.Sandbox));
        await ErrorAssert.HasErrorAsync(oldAtToken, HttpStatusCode.Unauthorized, "invalid_client");
        await ErrorAssert.HasErrorAsync(oldAtManagement, HttpStatusCode.Unauthorized, "invalid_client");
        Assert.True(await _client.IsActiveAsync(org.Client, await _client.GetTokenAsync(fresh)));
        Assert.True(await _client.IsActiveAsync(org.Client, token));
    }

    [Fact]
    public async Task RegenerateAppSecret_WithRevokeTokens_RevokesIssuedTokens()
    {
        var org = await _client.CreateOrgAsync();
        var token = await _client.GetTokenAsync(org.Sandbox);

        await RegenerateAsync(org, $"/management/orgs/{org.Name}/apps/sandbox/credentials?revoke_tokens=true");

        Assert.False(await _client.IsActiveAsync(org.Client, token));
    }

    [Fact]
    public async Task RegenerateOrgSecret_WithRevokeTokens_RevokesOrgTokensOnly()
    {
        var org = await _client.CreateOrgAsync();
        var orgToken = await _client.GetTokenAsync(org.Client);
        var appToken = await _client.GetTokenAsync(org.Sandbox);

        var fresh = await RegenerateAsync(org, $"/management/orgs/{org.Name}/credentials?revoke_tokens=true");

        var superuser = new Credentials("superuser", TokenServiceFactory.SuperuserPassword);
        Assert.False(await _client.IsActiveAsync(superuser, orgToken));
        Assert.True(await _client.IsActiveAsync(superuser, appToken));
        using var old = await _client.RequestTokenAsync(org.Client);
        Assert.Equal(HttpStatusCode.Unauthorized, old.StatusCode);
        Assert.True(await _client.IsActiveAsync(fresh, appToken));
    }

    [Fact]
    public async Task RevokeTokens_OfApp_RevokesAllItsTokensAndNoOthers()
    {
        var org = await _client.CreateOrgAsync();
        var sibling = await _client.CreateAppAsync(org, "sibling");
        var appTokens = (string[])[await _client.GetTokenAsync(org.Sandbox), await _client.GetTokenAsync(org.Sandbox)];
        var siblingToken = await _client.GetTokenAsync(sibling);
        var orgToken = await _client.GetTokenAsync(org.Client);

        using var response = await _client.SendAsync(HttpMethod.Post, $"/management/orgs/{org.Name}/apps/sandbox/revoketokens", ServiceClient.BasicOf(org.Client));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("revoked").GetInt64());
        foreach (var token in appTokens)
        {
            Assert.False(await _client.IsActiveAsync(org.Client, token));
        }

        Assert.True(await _client.IsActiveAsync(org.Client, siblingToken));
        Assert.True(await _client.IsActiveAsync(org.Client, orgToken));
    }

    [Fact]
    public async Task RevokeTokens_OfOrgClient_LeavesAppTokens()
    {
        var org = await _client.CreateOrgAsync();
        var orgToken = await _client.GetTokenAsync(org.Client);
        var appToken = await _client.GetTokenAsync(org.Sandbox);

        using var response = await _client.SendAsync(HttpMethod.Post, $"/management/orgs/{org.Name}/revoketokens", ServiceClient.Superuser);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(await _client.IsActiveAsync(org.Sandbox, orgToken));
        Assert.True(await _client.IsActiveAsync(org.Sandbox, appToken));
    }

    [Fact]
    public async Task RevokeTokens_ByForeignOrAppClient_Is403AndRevokesNothing()
    {
        var org = await _client.CreateOrgAsync();
        var other = await _client.CreateOrgAsync();
        var orgToken = await _client.GetTokenAsync(org.Client);
        var appToken = await _client.GetTokenAsync(org.Sandbox);

        using var foreignApp = await _client.SendAsync(HttpMethod.Post, $"/management/orgs/{org.Name}/apps/sandbox/revoketokens", ServiceClient.BasicOf(other.Client));
        using var appOnOrg = await _client.SendAsync(HttpMethod.Post, $"/management/orgs/{org.Name}/revoketokens", ServiceClient.BasicOf(org.Sandbox));

        await ErrorAssert.HasErrorAsync(foreignApp, HttpStatusCode.Forbidden, "unauthorized");
        await ErrorAssert.HasErrorAsync(appOnOrg, HttpStatusCode.Forbidden, "unauthorized");
        Assert.True(await _client.IsActiveAsync(org.Client, orgToken));
        Assert.True(await _client.IsActiveAsync(org.Client, appToken));
    }

    private async Task<Credentials> RegenerateAsync(TestOrg org, string path)
    {
        using var response = await _client.SendAsync(HttpMethod.Post, path, ServiceClient.BasicOf(org.Client));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return new Credentials(body.GetProperty("client_id").GetString()!, body.GetProperty("client_secret").GetString()!);
    }

    public void Dispose() => _client.Dispose();
}
