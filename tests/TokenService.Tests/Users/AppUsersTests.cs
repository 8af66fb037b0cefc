using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using TokenService.Tests.Infrastructure;

namespace TokenService.Tests.Users;

[Collection(SharedHost.Name)]
public sealed class AppUsersTests(TokenServiceFactory factory) : IDisposable
{
    private readonly ServiceClient _client = factory.CreateServiceClient();

    [Fact]
    public async Task GuestSignUp_OnSandbox_Is200WithUsergridEnvelope()
    {
        var org = await _client.CreateOrgAsync();

        using var response = await _client.SendAsync(HttpMethod.Post, $"/{org.Name}/sandbox/users", null,
            new { username = "Carol", email = "Carol@Example.com", password = "carol-password" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("post", body.GetProperty("action").GetString());
        Assert.Equal("/users", body.GetProperty("path").GetString());
        var user = Assert.Single(body.GetProperty("entities").EnumerateArray());
        Assert.Equal("user", user.GetProperty("type").GetString());
        Assert.Equal("carol", user.GetProperty("username").GetString());
        Assert.Equal("carol@example.com", user.GetProperty("email").GetString());
        Assert.True(user.GetProperty("activated").GetBoolean());
        Assert.True(user.GetProperty("created").GetInt64() > 0);
        Assert.False(user.TryGetProperty("password", out _));
        Assert.False(user.TryGetProperty("passwordHash", out _));
    }

    [Fact]
    public async Task GuestSignUp_OnSecuredApp_Is401_UntilTheAppIsOpened()
    {
        var org = await _client.CreateOrgAsync();
        await _client.CreateAppAsync(org, "shop");

        using var refused = await _client.SendAsync(HttpMethod.Post, $"/{org.Name}/shop/users", null, new { username = "carol", password = "carol-password" });
        using var open = await _client.SendAsync(HttpMethod.Put, $"/management/orgs/{org.Name}/apps/shop", ServiceClient.BasicOf(org.Client), new { secured = false });
        using var accepted = await _client.SendAsync(HttpMethod.Post, $"/{org.Name}/shop/users", null, new { username = "carol", password = "carol-password" });

        await ErrorAssert.HasErrorAsync(refused, HttpStatusCode.Unauthorized, "unauthorized");
        Assert.Equal(HttpStatusCode.OK, open.StatusCode);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
    }

    [Fact]
    public async Task CreateUser_ByAppClientOnSecuredApp_IsCreatedWithStandardShape()
    {
        var org = await _client.CreateOrgAsync();
        var app = await _client.CreateAppAsync(org, "shop");

        using var response = await _client.SendAsync(HttpMethod.Post, $"/management/orgs/{org.Name}/apps/shop/users", ServiceClient.BasicOf(app),
            new { username = "dave", password = "dave-password", name = "Dave" });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("dave", body.GetProperty("username").GetString());
        Assert.Equal("shop", body.GetProperty("app").GetString());
    }

    [Theory]
    [InlineData("{\"username\":\"bob\",\"password\":\"short\"}", HttpStatusCode.BadRequest)]
    [InlineData("{\"username\":\"me\",\"password\":\"long-enough\"}", HttpStatusCode.BadRequest)]
    [InlineData("{\"username\":\"bad name\",\"password\":\"long-enough\"}", HttpStatusCode.BadRequest)]
    [InlineData("{\"username\":\"bob\",\"password\":\"long-enough\",\"email\":\"not-an-email\"}", HttpStatusCode.BadRequest)]
    [InlineData("{\"password\":\"long-enough\"}", HttpStatusCode.BadRequest)]
    [InlineData("{\"username\":\"BOB\",\"password\":\"long-enough\"}", HttpStatusCode.Conflict)]
    public async Task CreateUser_BadOrDuplicate_IsRefusedAndNothingChanges(string json, HttpStatusCode expected)
    {
        var org = await _client.CreateOrgAsync();
        await _client.CreateAppUserAsync(org, "sandbox", "bob");
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/{org.Name}/sandbox/users") { Content = new StringContent(json, Encoding.UTF8, "application/json") };

        using var response = await _client.Http.SendAsync(request);

        Assert.Equal(expected, response.StatusCode);
        var list = await (await _client.SendAsync(HttpMethod.Get, $"/management/orgs/{org.Name}/apps/sandbox/users", ServiceClient.BasicOf(org.Client)))
            .Content.ReadFromJsonAsync<JsonElement>();
        Assert.Single(list.GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task AppUser_ReadsItselfByMeUuidOrName_ButNobodyElse()
    {
        var org = await _client.CreateOrgAsync();
        var bob = await _client.CreateAppUserAsync(org, "sandbox", "bob");
        var eve = await _client.CreateAppUserAsync(org, "sandbox", "eve");
        var token = await _client.AppUserTokenAsync(org, "sandbox", "bob");

        foreach (var self in (string[])["me", bob.ToString(), "bob"])
        {
            using var response = await _client.Http.GetAsync($"/{org.Name}/sandbox/users/{self}?access_token={token}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var entity = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("entities")[0];
            Assert.Equal(bob, entity.GetProperty("uuid").GetGuid());
        }

        foreach (var other in (string[])[eve.ToString(), "eve", "nobody"])
        {
            using var response = await _client.Http.GetAsync($"/{org.Name}/sandbox/users/{other}?access_token={token}");
            await ErrorAssert.HasErrorAsync(response, HttpStatusCode.Forbidden, "unauthorized");
        }

        using var list = await _client.Http.GetAsync($"/{org.Name}/sandbox/users?access_token={token}");
        using var update = await _client.SendAsync(HttpMethod.Put, $"/{org.Name}/sandbox/users/me", ServiceClient.Bearer(token), new { name = "Bobby" });
        await ErrorAssert.HasErrorAsync(list, HttpStatusCode.Forbidden, "unauthorized");
        await ErrorAssert.HasErrorAsync(update, HttpStatusCode.Forbidden, "unauthorized");
    }

    [Fact]
    public async Task UnknownUser_ForAppAdmin_Is404WithErrorBody()
    {
        var org = await _client.CreateOrgAsync();

        using var response = await _client.SendAsync(HttpMethod.Get, $"/{org.Name}/sandbox/users/nobody", ServiceClient.BasicOf(org.Sandbox));

        await ErrorAssert.HasErrorAsync(response, HttpStatusCode.NotFound, "service_resource_not_found");
    }

    [Fact]
    public async Task AppUser_RevokesItsOwnTokens_AndIsThenRefusedAsAuthInvalid()
    {
        var org = await _client.CreateOrgAsync();
        await _client.CreateAppUserAsync(org, "sandbox", "bob");
        var token = await _client.AppUserTokenAsync(org, "sandbox", "bob");

        using var revoke = await _client.SendAsync(HttpMethod.Put, $"/{org.Name}/sandbox/users/me/revoketokens?access_token={token}");
        using var after = await _client.Http.GetAsync($"/{org.Name}/sandbox/users/me?access_token={token}");

        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        await ErrorAssert.HasErrorAsync(after, HttpStatusCode.Unauthorized, "auth_invalid");
    }

    [Fact]
    public async Task RevokeToken_OfAnotherUser_Is404AndRevokesNothing()
    {
        var org = await _client.CreateOrgAsync();
        await _client.CreateAppUserAsync(org, "sandbox", "bob");
        await _client.CreateAppUserAsync(org, "sandbox", "eve");
        var bobs = await _client.AppUserTokenAsync(org, "sandbox", "bob");
        var eves = await _client.AppUserTokenAsync(org, "sandbox", "eve");

        using var wrongUser = await _client.SendAsync(HttpMethod.Post, $"/management/orgs/{org.Name}/apps/sandbox/users/bob/revoketoken?token={eves}", ServiceClient.BasicOf(org.Client));
        using var garbage = await _client.SendAsync(HttpMethod.Post, $"/management/orgs/{org.Name}/apps/sandbox/users/bob/revoketoken?token=garbage", ServiceClient.BasicOf(org.Client));
        using var rightUser = await _client.SendAsync(HttpMethod.Put, $"/{org.Name}/sandbox/users/bob/revoketoken?token={bobs}", ServiceClient.BasicOf(org.Client));

        await ErrorAssert.HasErrorAsync(wrongUser, HttpStatusCode.NotFound, "service_resource_not_found");
        await ErrorAssert.HasErrorAsync(garbage, HttpStatusCode.NotFound, "service_resource_not_found");
        Assert.True(await _client.IsActiveAsync(org.Client, eves));
        Assert.Equal(HttpStatusCode.OK, rightUser.StatusCode);
        Assert.False(await _client.IsActiveAsync(org.Client, bobs));
    }

    [Fact]
    public async Task DeleteUser_RevokesItsTokens()
    {
        var org = await _client.CreateOrgAsync();
        await _client.CreateAppUserAsync(org, "sandbox", "bob");
        var token = await _client.AppUserTokenAsync(org, "sandbox", "bob");

        using var delete = await _client.SendAsync(HttpMethod.Delete, $"/{org.Name}/sandbox/users/bob", ServiceClient.BasicOf(org.Sandbox));

        Assert.Equal(HttpStatusCode.OK, delete.StatusCode);
        Assert.Equal("delete", (await delete.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("action").GetString());
        Assert.False(await _client.IsActiveAsync(org.Client, token));
    }

    [Fact]
    public async Task AppRevokeTokens_ReachesUsersWhoSignedInOnEitherPath()
    {
        var org = await _client.CreateOrgAsync();
        await _client.CreateAppUserAsync(org, "sandbox", "bob");
        var viaUsergrid = await _client.AppUserTokenAsync(org, "sandbox", "bob");
        using var standard = await _client.RequestPasswordAsync(org.Sandbox, "bob", "user-password");
        var viaStandard = (await standard.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString()!;

        using var revoke = await _client.SendAsync(HttpMethod.Post, $"/management/orgs/{org.Name}/apps/sandbox/revoketokens", ServiceClient.BasicOf(org.Client));

        Assert.False(await _client.IsActiveAsync(org.Client, viaUsergrid));
        Assert.False(await _client.IsActiveAsync(org.Client, viaStandard));
    }

    public void Dispose() => _client.Dispose();
}
