using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using TokenService.Tests.Infrastructure;

namespace TokenService.Tests.Management;

[Collection(SharedHost.Name)]
public sealed class TenantsTests(TokenServiceFactory factory) : IDisposable
{
    private readonly ServiceClient _client = factory.CreateServiceClient();

    [Fact]
    public async Task CreateOrg_BySuperuser_CreatesOpenSandboxAndShowsSecretsOnce()
    {
        var name = ServiceClient.UniqueName("acme");

        using var response = await _client.SendAsync(HttpMethod.Post, "/management/orgs", ServiceClient.Superuser, new { organization = name });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.StartsWith("org_", body.GetProperty("client_id").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("app_", body.GetProperty("sandbox").GetProperty("client_id").GetString(), StringComparison.Ordinal);
        Assert.False(body.GetProperty("sandbox").GetProperty("secured").GetBoolean());
        var read = await (await _client.SendAsync(HttpMethod.Get, $"/management/orgs/{name}", ServiceClient.Superuser))
            .Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(body.GetProperty("uuid").GetGuid(), read.GetProperty("uuid").GetGuid());
        Assert.False(read.TryGetProperty("client_secret", out _));
    }

    [Fact]
    public async Task CreateOrg_ByOrgClientOrGuest_IsRefused()
    {
        var org = await _client.CreateOrgAsync();

        using var byClient = await _client.SendAsync(HttpMethod.Post, "/management/orgs", ServiceClient.BasicOf(org.Client), new { organization = ServiceClient.UniqueName("x") });
        using var byGuest = await _client.SendAsync(HttpMethod.Post, "/management/orgs", null, new { organization = ServiceClient.UniqueName("x") });

        await ErrorAssert.HasErrorAsync(byClient, HttpStatusCode.Forbidden, "unauthorized");
        await ErrorAssert.HasErrorAsync(byGuest, HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Theory]
    [InlineData("management")]
    [InlineData("token")]
    [InlineData(".well-known")]
    [InlineData("Acme")]
    [InlineData("-acme")]
    [InlineData("acme corp")]
    [InlineData("аcme")] // Cyrillic "а"
    [InlineData("")]
    [InlineData(null)]
    [InlineData("a1234567890123456789012345678901234567890123456789012345678901234")]
    public async Task CreateOrg_WithInvalidOrReservedName_Is400(string? name)
    {
        using var response = await _client.SendAsync(HttpMethod.Post, "/management/orgs", ServiceClient.Superuser, new { organization = name });

        await ErrorAssert.HasErrorAsync(response, HttpStatusCode.BadRequest, "invalid_request");
    }

    [Fact]
    public async Task CreateOrg_Twice_Is409()
    {
        var org = await _client.CreateOrgAsync();

        using var response = await _client.SendAsync(HttpMethod.Post, "/management/orgs", ServiceClient.Superuser, new { organization = org.Name });

        await ErrorAssert.HasErrorAsync(response, HttpStatusCode.Conflict, "duplicate_unique_property_exists");
    }

    [Fact]
    public async Task GetOrg_Unknown_Is404ForSuperuserAnd403ForOthers()
    {
        var org = await _client.CreateOrgAsync();

        using var bySuperuser = await _client.SendAsync(HttpMethod.Get, "/management/orgs/no-such-org", ServiceClient.Superuser);
        using var byClient = await _client.SendAsync(HttpMethod.Get, "/management/orgs/no-such-org", ServiceClient.BasicOf(org.Client));

        await ErrorAssert.HasErrorAsync(bySuperuser, HttpStatusCode.NotFound, "service_resource_not_found");
        await ErrorAssert.HasErrorAsync(byClient, HttpStatusCode.Forbidden, "unauthorized");
    }

    [Fact]
    public async Task CreateApp_ByOrgClient_IsSecuredAndIssuesTokens()
    {
        var org = await _client.CreateOrgAsync();

        using var response = await _client.SendAsync(HttpMethod.Post, $"/management/orgs/{org.Name}/apps", ServiceClient.BasicOf(org.Client), new { name = "shop" });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(body.GetProperty("secured").GetBoolean());
        var app = new Credentials(body.GetProperty("client_id").GetString()!, body.GetProperty("client_secret").GetString()!);
        Assert.True(await _client.IsActiveAsync(org.Client, await _client.GetTokenAsync(app)));
    }

    [Fact]
    public async Task CreateApp_ByAppClientOrTwice_IsRefused()
    {
        var org = await _client.CreateOrgAsync();
        await _client.CreateAppAsync(org, "shop");

        using var byApp = await _client.SendAsync(HttpMethod.Post, $"/management/orgs/{org.Name}/apps", ServiceClient.BasicOf(org.Sandbox), new { name = "other" });
        using var twice = await _client.SendAsync(HttpMethod.Post, $"/management/orgs/{org.Name}/apps", ServiceClient.BasicOf(org.Client), new { name = "shop" });
        using var invalid = await _client.SendAsync(HttpMethod.Post, $"/management/orgs/{org.Name}/apps", ServiceClient.BasicOf(org.Client), new { name = "Shop!" });

        await ErrorAssert.HasErrorAsync(byApp, HttpStatusCode.Forbidden, "unauthorized");
        await ErrorAssert.HasErrorAsync(twice, HttpStatusCode.Conflict, "duplicate_unique_property_exists");
        await ErrorAssert.HasErrorAsync(invalid, HttpStatusCode.BadRequest, "invalid_request");
    }

    [Fact]
    public async Task ListApps_PagesThroughEveryAppOnce()
    {
        var org = await _client.CreateOrgAsync();
        foreach (var name in (string[])["a1", "a2", "a3", "a4"])
        {
            await _client.CreateAppAsync(org, name);
        }

        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var path = $"/management/orgs/{org.Name}/apps?limit=2" + (cursor is null ? "" : $"&cursor={cursor}");
            var page = await (await _client.SendAsync(HttpMethod.Get, path, ServiceClient.BasicOf(org.Client))).Content.ReadFromJsonAsync<JsonElement>();
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(a => a.GetProperty("name").GetString()!));
            cursor = page.GetProperty("cursor").GetString();
        }
        while (cursor is not null);

        Assert.Equal(["a1", "a2", "a3", "a4", "sandbox"], seen);
    }

    [Theory]
    [InlineData("limit=0")]
    [InlineData("limit=1001")]
    [InlineData("limit=abc")]
    [InlineData("cursor=%%%")]
    public async Task ListApps_WithBadPaging_Is400(string query)
    {
        var org = await _client.CreateOrgAsync();

        using var response = await _client.SendAsync(HttpMethod.Get, $"/management/orgs/{org.Name}/apps?{query}", ServiceClient.BasicOf(org.Client));

        await ErrorAssert.HasErrorAsync(response, HttpStatusCode.BadRequest, "invalid_request");
    }

    [Fact]
    public async Task ListOrgs_OnlyForSuperuser()
    {
        var org = await _client.CreateOrgAsync();

        using var bySuperuser = await _client.SendAsync(HttpMethod.Get, "/management/orgs?limit=1000", ServiceClient.Superuser);
        using var byClient = await _client.SendAsync(HttpMethod.Get, "/management/orgs", ServiceClient.BasicOf(org.Client));

        var names = (await bySuperuser.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("items").EnumerateArray()
            .Select(o => o.GetProperty("name").GetString());
        Assert.Contains(org.Name, names);
        await ErrorAssert.HasErrorAsync(byClient, HttpStatusCode.Forbidden, "unauthorized");
    }

    [Fact]
    public async Task DeleteApp_RevokesItsTokensAndRemovesItsClient()
    {
        var org = await _client.CreateOrgAsync();
        var app = await _client.CreateAppAsync(org, "doomed");
        var token = await _client.GetTokenAsync(app);

        using var response = await _client.SendAsync(HttpMethod.Delete, $"/management/orgs/{org.Name}/apps/doomed", ServiceClient.BasicOf(org.Client));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(await _client.IsActiveAsync(org.Client, token));
        using var again = await _client.RequestTokenAsync(app);
        Assert.Equal(HttpStatusCode.Unauthorized, again.StatusCode);
    }

    [Fact]
    public async Task DeleteOrg_RevokesEverythingIssuedUnderIt()
    {
        var org = await _client.CreateOrgAsync();
        var app = await _client.CreateAppAsync(org, "shop");
        var tokens = (string[])[await _client.GetTokenAsync(org.Client), await _client.GetTokenAsync(org.Sandbox), await _client.GetTokenAsync(app)];
        var superuser = new Credentials("superuser", TokenServiceFactory.SuperuserPassword);

        using var response = await _client.SendAsync(HttpMethod.Delete, $"/management/orgs/{org.Name}", ServiceClient.Superuser);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        foreach (var token in tokens)
        {
            Assert.False(await _client.IsActiveAsync(superuser, token));
        }

        using var gone = await _client.SendAsync(HttpMethod.Get, $"/management/orgs/{org.Name}", ServiceClient.Superuser);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task ResourceServers_CreateListDelete()
    {
        var org = await _client.CreateOrgAsync();
        var server = await _client.CreateResourceServerAsync(org, "orders-api");
        Assert.StartsWith("rs_", server.ClientId, StringComparison.Ordinal);

        var list = await (await _client.SendAsync(HttpMethod.Get, $"/management/orgs/{org.Name}/resource-servers", ServiceClient.BasicOf(org.Client)))
            .Content.ReadFromJsonAsync<JsonElement>();
        using var delete = await _client.SendAsync(HttpMethod.Delete, $"/management/orgs/{org.Name}/resource-servers/orders-api", ServiceClient.BasicOf(org.Client));
        var token = await _client.GetTokenAsync(org.Sandbox);
        using var afterDelete = await _client.PostFormAsync("/introspect", ServiceClient.BasicOf(server), ("token", token));

        var item = Assert.Single(list.GetProperty("items").EnumerateArray());
        Assert.False(item.TryGetProperty("client_secret", out _));
        Assert.Equal(HttpStatusCode.OK, delete.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, afterDelete.StatusCode);
    }

    public void Dispose() => _client.Dispose();
}
