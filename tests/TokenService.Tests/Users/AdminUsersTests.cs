using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using TokenService.Tests.Infrastructure;

namespace TokenService.Tests.Users;

[Collection(SharedHost.Name)]
public sealed class AdminUsersTests(TokenServiceFactory factory) : IDisposable
{
    private readonly ServiceClient _client = factory.CreateServiceClient();

    [Fact]
    public async Task CreateOrg_WithFirstAdmin_AdminManagesItAndOnlyIt()
    {
        var name = ServiceClient.UniqueName("org");
        var admin = ServiceClient.UniqueName("owner");
        var other = await _client.CreateOrgAsync();

        using var created = await _client.SendAsync(HttpMethod.Post, "/management/orgs", ServiceClient.Superuser,
            new { organization = name, username = admin, email = $"{admin}@example.com", password = "owner-password" });
        var token = await _client.AdminTokenAsync(admin, "owner-password");
        using var own = await _client.SendAsync(HttpMethod.Post, $"/management/orgs/{name}/apps", ServiceClient.Bearer(token), new { name = "shop" });
        using var foreign = await _client.SendAsync(HttpMethod.Get, $"/management/orgs/{other.Name}", ServiceClient.Bearer(token));

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(admin, (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("owner").GetProperty("username").GetString());
        Assert.Equal(HttpStatusCode.Created, own.StatusCode);
        await ErrorAssert.HasErrorAsync(foreign, HttpStatusCode.Forbidden, "unauthorized");
    }

    [Theory]
    [InlineData("{\"organization\":\"x-ORG\",\"username\":\"u\",\"email\":\"u@example.com\",\"password\":\"long-enough\"}")]
    [InlineData("{\"organization\":\"x-org-1\",\"username\":\"u1\",\"password\":\"long-enough\"}")]
    [InlineData("{\"organization\":\"x-org-2\",\"username\":\"u2\",\"email\":\"u2@example.com\",\"password\":\"short\"}")]
    public async Task CreateOrg_WithIncompleteAdmin_Is400AndCreatesNothing(string json)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/management/orgs")
        {
            Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = ServiceClient.Superuser;

        using var response = await _client.Http.SendAsync(request);

        await ErrorAssert.HasErrorAsync(response, HttpStatusCode.BadRequest, "invalid_request");
        var org = JsonDocument.Parse(json).RootElement.GetProperty("organization").GetString();
        using var lookup = await _client.SendAsync(HttpMethod.Get, $"/management/orgs/{org}", ServiceClient.Superuser);
        Assert.NotEqual(HttpStatusCode.OK, lookup.StatusCode);
    }

    [Fact]
    public async Task RemovingAnAdminFromAnOrg_TakesEffectOnItsNextRequest()
    {
        var org = await _client.CreateOrgAsync();
        var admin = ServiceClient.UniqueName("admin");
        await _client.CreateAdminAsync(org, admin);
        var token = await _client.AdminTokenAsync(admin);
        using var before = await _client.SendAsync(HttpMethod.Get, $"/management/orgs/{org.Name}", ServiceClient.Bearer(token));

        using var remove = await _client.SendAsync(HttpMethod.Delete, $"/management/orgs/{org.Name}/users/{admin}", ServiceClient.BasicOf(org.Client));
        using var after = await _client.SendAsync(HttpMethod.Get, $"/management/orgs/{org.Name}", ServiceClient.Bearer(token));

        Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        Assert.Equal(HttpStatusCode.OK, remove.StatusCode);
        await ErrorAssert.HasErrorAsync(after, HttpStatusCode.Forbidden, "unauthorized");
    }

    [Fact]
    public async Task OrgAdmins_AreListedAndAddedByOrgAdmins()
    {
        var org = await _client.CreateOrgAsync();
        var first = ServiceClient.UniqueName("admin");
        var second = ServiceClient.UniqueName("admin");
        await _client.CreateAdminAsync(org, first);
        await _client.CreateAdminAsync(null, second);
        var token = await _client.AdminTokenAsync(first);

        using var add = await _client.SendAsync(HttpMethod.Post, $"/management/orgs/{org.Name}/users/{second}", ServiceClient.Bearer(token));
        var list = await (await _client.SendAsync(HttpMethod.Get, $"/management/orgs/{org.Name}/users", ServiceClient.Bearer(token)))
            .Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.OK, add.StatusCode);
        Assert.Equal(new[] { first, second }.Order(StringComparer.Ordinal),
            list.GetProperty("items").EnumerateArray().Select(u => u.GetProperty("username").GetString()!));
    }

    [Fact]
    public async Task AdminUser_RevokesItsOwnTokens_ButNotAnothersAdmins()
    {
        var org = await _client.CreateOrgAsync();
        var alice = ServiceClient.UniqueName("alice");
        var mallory = ServiceClient.UniqueName("mallory");
        await _client.CreateAdminAsync(org, alice);
        await _client.CreateAdminAsync(org, mallory);
        var alicesToken = await _client.AdminTokenAsync(alice);
        var mallorysToken = await _client.AdminTokenAsync(mallory);
        var superuser = new Credentials("superuser", TokenServiceFactory.SuperuserPassword);

        using var byMallory = await _client.SendAsync(HttpMethod.Post, $"/management/users/{alice}/revoketokens", ServiceClient.Bearer(mallorysToken));
        Assert.True(await _client.IsActiveAsync(superuser, alicesToken));
        using var oneForeign = await _client.SendAsync(HttpMethod.Post, $"/management/users/{alice}/revoketoken?token={mallorysToken}", ServiceClient.Bearer(alicesToken));
        using var bySelf = await _client.SendAsync(HttpMethod.Put, $"/management/users/{alice}/revoketokens", ServiceClient.Bearer(alicesToken));

        await ErrorAssert.HasErrorAsync(byMallory, HttpStatusCode.Forbidden, "unauthorized");
        await ErrorAssert.HasErrorAsync(oneForeign, HttpStatusCode.NotFound, "service_resource_not_found");
        Assert.True(await _client.IsActiveAsync(superuser, mallorysToken));
        Assert.Equal(HttpStatusCode.OK, bySelf.StatusCode);
        Assert.False(await _client.IsActiveAsync(superuser, alicesToken));
    }

    [Fact]
    public async Task DeactivatingAnAdmin_RevokesItsTokensAndBlocksSignIn()
    {
        var org = await _client.CreateOrgAsync();
        var admin = ServiceClient.UniqueName("admin");
        await _client.CreateAdminAsync(org, admin);
        var token = await _client.AdminTokenAsync(admin);

        using var put = await _client.SendAsync(HttpMethod.Put, $"/management/users/{admin}", ServiceClient.Superuser, new { activated = false });
        using var call = await _client.SendAsync(HttpMethod.Get, $"/management/orgs/{org.Name}", ServiceClient.Bearer(token));
        using var signIn = await _client.SendAsync(HttpMethod.Post, "/management/token", null, new { grant_type = "password", username = admin, password = "admin-password" });

        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        await ErrorAssert.HasErrorAsync(call, HttpStatusCode.Unauthorized, "auth_invalid");
        await ErrorAssert.HasErrorAsync(signIn, HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Fact]
    public async Task CreateAdmin_DuplicateOrByGuest_IsRefused()
    {
        var name = ServiceClient.UniqueName("dup");
        await _client.CreateAdminAsync(null, name);

        using var duplicate = await _client.SendAsync(HttpMethod.Post, "/management/users", ServiceClient.Superuser,
            new { username = name.ToUpperInvariant(), email = "other@example.com", password = "long-enough" });
        using var byGuest = await _client.SendAsync(HttpMethod.Post, "/management/users", null,
            new { username = ServiceClient.UniqueName("g"), email = "g@example.com", password = "long-enough" });

        await ErrorAssert.HasErrorAsync(duplicate, HttpStatusCode.Conflict, "duplicate_unique_property_exists");
        await ErrorAssert.HasErrorAsync(byGuest, HttpStatusCode.Unauthorized, "unauthorized");
    }

    public void Dispose() => _client.Dispose();
}
