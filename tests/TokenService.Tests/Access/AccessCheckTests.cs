using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using TokenService.Tests.Infrastructure;

namespace TokenService.Tests.Access;

[Collection(SharedHost.Name)]
public sealed class AccessCheckTests(TokenServiceFactory factory) : IDisposable
{
    private readonly ServiceClient _client = factory.CreateServiceClient();

    private async Task<JsonElement> CheckAsync(Credentials caller, object body, HttpStatusCode expected = HttpStatusCode.OK)
    {
        using var response = await _client.SendAsync(HttpMethod.Post, "/access/check", ServiceClient.BasicOf(caller), body);
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(expected == response.StatusCode, json.ToString());
        return json;
    }

    [Fact]
    public async Task UserTokenInHeaderOrQueryForm_IsAllowedOnItsApp_NotOnASibling()
    {
        var org = await _client.CreateOrgAsync();
        await _client.CreateAppAsync(org, "shop");
        var server = await _client.CreateResourceServerAsync(org, "api");
        await _client.CreateAppUserAsync(org, "sandbox", "bob");
        var token = await _client.AppUserTokenAsync(org, "sandbox", "bob");

        var header = await CheckAsync(server, new { org = org.Name, app = "sandbox", authorization = $"Bearer {token}" });
        var query = await CheckAsync(server, new { org = org.Name, app = "sandbox", access_token = token });
        var sibling = await CheckAsync(server, new { org = org.Name, app = "shop", access_token = token });

        foreach (var allowed in (JsonElement[])[header, query])
        {
            Assert.True(allowed.GetProperty("allowed").GetBoolean());
            Assert.Equal("app_user", allowed.GetProperty("principal_type").GetString());
            Assert.Equal("bob", allowed.GetProperty("username").GetString());
        }

        Assert.False(sibling.GetProperty("allowed").GetBoolean());
        Assert.Equal("unauthorized", sibling.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task ClientIdAndSecret_ActAsThatClient()
    {
        var org = await _client.CreateOrgAsync();
        var shop = await _client.CreateAppAsync(org, "shop");
        var server = await _client.CreateResourceServerAsync(org, "api");

        var appOnOwn = await CheckAsync(server, new { org = org.Name, app = "shop", client_id = shop.ClientId, client_secret = shop.ClientSecret });
        var appOnSibling = await CheckAsync(server, new { org = org.Name, app = "sandbox", client_id = shop.ClientId, client_secret = shop.ClientSecret });
        var orgOnAny = await CheckAsync(server, new { org = org.Name, app = "shop", client_id = org.Client.ClientId, client_secret = org.Client.ClientSecret });
        var wrongSecret = await CheckAsync(server, new { org = org.Name, app = "shop", client_id = shop.ClientId, client_secret = "wrong" });

        Assert.True(appOnOwn.GetProperty("allowed").GetBoolean());
        Assert.Equal("app_client", appOnOwn.GetProperty("principal_type").GetString());
        Assert.False(appOnSibling.GetProperty("allowed").GetBoolean());
        Assert.True(orgOnAny.GetProperty("allowed").GetBoolean());
        Assert.False(wrongSecret.GetProperty("allowed").GetBoolean());
        Assert.Equal("invalid_client", wrongSecret.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Guest_IsAllowedOnlyOnAnOpenApp()
    {
        var org = await _client.CreateOrgAsync();
        await _client.CreateAppAsync(org, "shop");
        var server = await _client.CreateResourceServerAsync(org, "api");

        var open = await CheckAsync(server, new { org = org.Name, app = "sandbox" });
        var secured = await CheckAsync(server, new { org = org.Name, app = "shop" });

        Assert.True(open.GetProperty("allowed").GetBoolean());
        Assert.Equal("guest", open.GetProperty("principal_type").GetString());
        Assert.False(secured.GetProperty("allowed").GetBoolean());
        Assert.Equal("auth_required", secured.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task BadForwardedCredentials_AreNotAllowedWithTheirUsergridCode()
    {
        var org = await _client.CreateOrgAsync();
        var server = await _client.CreateResourceServerAsync(org, "api");
        var token = await _client.GetTokenAsync(org.Sandbox);
        using var revoke = await _client.RevokeAsync(org.Sandbox, token);

        var malformed = await CheckAsync(server, new { org = org.Name, app = "sandbox", access_token = "garbage" });
        var revoked = await CheckAsync(server, new { org = org.Name, app = "sandbox", authorization = $"Bearer {token}" });
        var twoPlaces = await CheckAsync(server, new { org = org.Name, app = "sandbox", authorization = $"Bearer {token}", access_token = token });

        Assert.Equal("auth_bad_access_token", malformed.GetProperty("reason").GetString());
        Assert.Equal("auth_invalid", revoked.GetProperty("reason").GetString());
        Assert.Equal("invalid_request", twoPlaces.GetProperty("reason").GetString());
        Assert.All((JsonElement[])[malformed, revoked, twoPlaces], r => Assert.False(r.GetProperty("allowed").GetBoolean()));
    }

    [Fact]
    public async Task Caller_MustBeAResourceServerOrOrgClientOfThatOrg()
    {
        var org = await _client.CreateOrgAsync();
        var other = await _client.CreateOrgAsync();
        var foreignServer = await _client.CreateResourceServerAsync(other, "api");
        var body = new { org = org.Name, app = "sandbox" };

        await CheckAsync(foreignServer, body, HttpStatusCode.Forbidden);
        await CheckAsync(org.Sandbox, body, HttpStatusCode.Forbidden);
        await CheckAsync(org.Client, body, HttpStatusCode.OK);
        await CheckAsync(new Credentials("superuser", TokenServiceFactory.SuperuserPassword), body, HttpStatusCode.OK);
        using var guest = await _client.SendAsync(HttpMethod.Post, "/access/check", null, body);
        Assert.Equal(HttpStatusCode.Unauthorized, guest.StatusCode);
    }

    [Fact]
    public async Task SecuredFlagChangedOrAppDeleted_TheNextCheckSeesIt()
    {
        // Arrange: a guest asks about a secured app (the flag is remembered after the first check).
        var org = await _client.CreateOrgAsync();
        await _client.CreateAppAsync(org, "flip");
        var server = await _client.CreateResourceServerAsync(org, "api");
        var body = new { org = org.Name, app = "flip" };
        var before = await CheckAsync(server, body);

        // Act: opened, then deleted, each followed at once by a check on the same instance.
        using var open = await _client.SendAsync(HttpMethod.Put, $"/management/orgs/{org.Name}/apps/flip", ServiceClient.BasicOf(org.Client), new { secured = false });
        var opened = await CheckAsync(server, body);
        using var delete = await _client.SendAsync(HttpMethod.Delete, $"/management/orgs/{org.Name}/apps/flip", ServiceClient.BasicOf(org.Client));
        await CheckAsync(server, body, HttpStatusCode.NotFound);

        // Assert
        Assert.False(before.GetProperty("allowed").GetBoolean());
        Assert.Equal(HttpStatusCode.OK, open.StatusCode);
        Assert.True(opened.GetProperty("allowed").GetBoolean());
        Assert.True(delete.IsSuccessStatusCode);
    }

    [Theory]
    [InlineData("{\"org\":\"BAD\",\"app\":\"sandbox\"}", HttpStatusCode.BadRequest)]
    [InlineData("{\"app\":\"sandbox\"}", HttpStatusCode.BadRequest)]
    [InlineData("{\"org\":\"ORG\",\"app\":\"nope\"}", HttpStatusCode.NotFound)]
    public async Task BadRequestOrUnknownApp_Is4xx(string template, HttpStatusCode expected)
    {
        var org = await _client.CreateOrgAsync();
        var server = await _client.CreateResourceServerAsync(org, "api");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/access/check")
        {
            Content = new StringContent(template.Replace("ORG", org.Name, StringComparison.Ordinal), System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = ServiceClient.BasicOf(server);

        using var response = await _client.Http.SendAsync(request);

        Assert.Equal(expected, response.StatusCode);
    }

    public void Dispose() => _client.Dispose();
}
