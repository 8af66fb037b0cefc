using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using TokenService.Tests.Infrastructure;

namespace TokenService.Tests.Users;

[Collection(SharedHost.Name)]
public sealed class PasswordGrantTests(TokenServiceFactory factory) : IDisposable
{
    private readonly ServiceClient _client = factory.CreateServiceClient();

    [Fact]
    public async Task StandardToken_AppUserThroughItsAppClient_GetsUserTokenAndRefreshToken()
    {
        var org = await _client.CreateOrgAsync();
        var userId = await _client.CreateAppUserAsync(org, "sandbox", "bob");

        using var response = await _client.RequestPasswordAsync(org.Sandbox, "bob", "user-password");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(body.TryGetProperty("refresh_token", out _));
        Assert.False(body.TryGetProperty("user", out _));
        var introspection = await _client.IntrospectAsync(org.Client, body.GetProperty("access_token").GetString()!);
        Assert.Equal("app_user", introspection.GetProperty("principal_type").GetString());
        Assert.Equal("bob", introspection.GetProperty("username").GetString());
        Assert.Equal(userId.ToString(), introspection.GetProperty("sub").GetString());
        Assert.Equal("sandbox", introspection.GetProperty("app").GetString());
    }

    [Fact]
    public async Task StandardToken_UserOfAnotherApp_IsInvalidGrant()
    {
        var org = await _client.CreateOrgAsync();
        var sibling = await _client.CreateAppAsync(org, "sibling");
        await _client.CreateAppUserAsync(org, "sandbox", "bob");

        using var response = await _client.RequestPasswordAsync(sibling, "bob", "user-password");

        await ErrorAssert.HasErrorAsync(response, HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Fact]
    public async Task StandardToken_OrgClientCannotSignInUsers()
    {
        var org = await _client.CreateOrgAsync();
        await _client.CreateAppUserAsync(org, "sandbox", "bob");

        using var response = await _client.RequestPasswordAsync(org.Client, "bob", "user-password");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Theory]
    [InlineData("wrong-password")]
    [InlineData("")]
    public async Task WrongPassword_IsInvalidGrantOnEveryPath(string password)
    {
        var org = await _client.CreateOrgAsync();
        await _client.CreateAppUserAsync(org, "sandbox", "bob");

        using var json = await _client.SendAsync(HttpMethod.Post, $"/{org.Name}/sandbox/token", null, new { grant_type = "password", username = "bob", password });
        using var standard = await _client.RequestPasswordAsync(org.Sandbox, "bob", password);

        Assert.Equal(HttpStatusCode.BadRequest, json.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, standard.StatusCode);
        var error = (await json.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString();
        Assert.True(error is "invalid_grant" or "invalid_request", error);
    }

    [Fact]
    public async Task UsergridPath_GetQueryFormAndJson_AllIssueTheSameKindOfToken()
    {
        var org = await _client.CreateOrgAsync();
        var userId = await _client.CreateAppUserAsync(org, "sandbox", "bob");
        var path = $"/{org.Name}/sandbox/token";

        using var get = await _client.Http.GetAsync($"{path}?grant_type=password&username=bob&password=user-password");
        using var form = await _client.PostFormAsync(path, null, ("grant_type", "password"), ("username", "bob"), ("password", "user-password"));
        var json = await _client.PasswordTokenAsync(path, "bob");

        foreach (var body in (JsonElement[])[await get.Content.ReadFromJsonAsync<JsonElement>(), await form.Content.ReadFromJsonAsync<JsonElement>(), json])
        {
            Assert.Equal(604800, body.GetProperty("expires_in").GetInt64());
            var user = body.GetProperty("user");
            Assert.Equal(userId, user.GetProperty("uuid").GetGuid());
            Assert.Equal("bob", user.GetProperty("username").GetString());
            Assert.True(await _client.IsActiveAsync(org.Client, body.GetProperty("access_token").GetString()!));
        }
    }

    [Fact]
    public async Task UsergridPath_GetWithJsonContentTypeAndEmptyBody_IsAccepted()
    {
        var org = await _client.CreateOrgAsync();
        await _client.CreateAppUserAsync(org, "sandbox", "bob");
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/{org.Name}/sandbox/token?grant_type=password&username=bob&password=user-password")
        {
            Content = new StringContent("{}", Encoding.UTF8, "application/json"),
        };

        using var response = await _client.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task UsergridPath_TtlInMilliseconds_IsHonoured()
    {
        var org = await _client.CreateOrgAsync();
        await _client.CreateAppUserAsync(org, "sandbox", "bob");

        using var response = await _client.SendAsync(HttpMethod.Post, $"/{org.Name}/sandbox/token", null,
            new { grant_type = "password", username = "bob", password = "user-password", ttl = 120000 });

        Assert.Equal(120, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("expires_in").GetInt64());
    }

    [Fact]
    public async Task UsergridPath_ClientCredentials_AddsApplicationOrOrganization()
    {
        var org = await _client.CreateOrgAsync();

        using var app = await _client.PostFormAsync($"/{org.Name}/sandbox/token", ServiceClient.BasicOf(org.Sandbox), ("grant_type", "client_credentials"));
        using var management = await _client.Http.GetAsync(
            $"/management/token?grant_type=client_credentials&client_id={org.Client.ClientId}&client_secret={org.Client.ClientSecret}");

        Assert.Equal("sandbox", (await app.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("application").GetProperty("name").GetString());
        Assert.Equal(org.Name, (await management.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("organization").GetProperty("name").GetString());
    }

    [Fact]
    public async Task UsergridPath_CredentialsOfAnotherApp_AreRefused()
    {
        var org = await _client.CreateOrgAsync();
        var sibling = await _client.CreateAppAsync(org, "sibling");
        var other = await _client.CreateOrgAsync();

        using var siblingOnSandbox = await _client.PostFormAsync($"/{org.Name}/sandbox/token", ServiceClient.BasicOf(sibling), ("grant_type", "client_credentials"));
        using var foreignOrg = await _client.PostFormAsync($"/{org.Name}/sandbox/token", ServiceClient.BasicOf(other.Client), ("grant_type", "client_credentials"));

        await ErrorAssert.HasErrorAsync(siblingOnSandbox, HttpStatusCode.BadRequest, "invalid_grant");
        await ErrorAssert.HasErrorAsync(foreignOrg, HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Theory]
    [InlineData("GET")]
    [InlineData("FORM")]
    [InlineData("JSON")]
    public async Task UsergridPath_UnknownOrgOrApp_AnswersExactlyAsAWrongPasswordOnARealApp(string shape)
    {
        // Arrange: a real app with a user, and two paths that name no tenant.
        var org = await _client.CreateOrgAsync();
        await _client.CreateAppUserAsync(org, "sandbox", "oracle-user");
        async Task<(HttpStatusCode Status, string Body)> SignInAsync(string path)
        {
            using var response = shape switch
            {
                "GET" => await _client.Http.GetAsync($"{path}?grant_type=password&username=oracle-user&password=wrong-password"),
                "FORM" => await _client.PostFormAsync(path, null, ("grant_type", "password"), ("username", "oracle-user"), ("password", "wrong-password")),
                _ => await _client.SendAsync(HttpMethod.Post, path, null, new { grant_type = "password", username = "oracle-user", password = "wrong-password" }),
            };
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }

        // Act
        var known = await SignInAsync($"/{org.Name}/sandbox/token");
        var unknownApp = await SignInAsync($"/{org.Name}/no-such-app/token");
        var unknownOrg = await SignInAsync("/no-such-org-at-all/sandbox/token");

        // Assert: one answer for all three, so the path tells nobody which tenants exist.
        Assert.Equal(HttpStatusCode.BadRequest, known.Status);
        Assert.Contains("invalid_grant", known.Body, StringComparison.Ordinal);
        Assert.Equal(known, unknownApp);
        Assert.Equal(known, unknownOrg);
    }

    [Fact]
    public async Task UsergridPath_UnknownApp_WithAnotherTenantsClient_IsRefusedAsOnARealAppOfAnotherTenant()
    {
        var org = await _client.CreateOrgAsync();
        var other = await _client.CreateOrgAsync();

        using var onRealApp = await _client.PostFormAsync($"/{org.Name}/sandbox/token", ServiceClient.BasicOf(other.Sandbox), ("grant_type", "client_credentials"));
        using var onUnknownApp = await _client.PostFormAsync($"/{org.Name}/no-such-app/token", ServiceClient.BasicOf(other.Sandbox), ("grant_type", "client_credentials"));

        Assert.Equal(onRealApp.StatusCode, onUnknownApp.StatusCode);
        Assert.Equal(await onRealApp.Content.ReadAsStringAsync(), await onUnknownApp.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("[1,2]")]
    [InlineData("{\"grant_type\":{\"nested\":true}}")]
    [InlineData("{\"grant_type\":")]
    public async Task UsergridPath_BadJson_Is400(string json)
    {
        var org = await _client.CreateOrgAsync();

        using var response = await _client.Http.PostAsync($"/{org.Name}/sandbox/token", new StringContent(json, Encoding.UTF8, "application/json"));

        await ErrorAssert.HasErrorAsync(response, HttpStatusCode.BadRequest, "invalid_request");
    }

    [Fact]
    public async Task Refresh_IssuesNewTokens_UntilTheUserIsRevoked()
    {
        var org = await _client.CreateOrgAsync();
        await _client.CreateAppUserAsync(org, "sandbox", "bob");
        var first = await _client.PasswordTokenAsync($"/{org.Name}/sandbox/token", "bob");

        using var refreshed = await _client.PostFormAsync($"/{org.Name}/sandbox/token", null,
            ("grant_type", "refresh_token"), ("refresh_token", first.GetProperty("refresh_token").GetString()!));
        var body = await refreshed.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(HttpStatusCode.OK, refreshed.StatusCode);
        Assert.True(await _client.IsActiveAsync(org.Client, body.GetProperty("access_token").GetString()!));

        using var revoke = await _client.SendAsync(HttpMethod.Post, $"/management/orgs/{org.Name}/apps/sandbox/users/bob/revoketokens", ServiceClient.BasicOf(org.Client));
        using var again = await _client.PostFormAsync($"/{org.Name}/sandbox/token", null,
            ("grant_type", "refresh_token"), ("refresh_token", body.GetProperty("refresh_token").GetString()!));

        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        await ErrorAssert.HasErrorAsync(again, HttpStatusCode.BadRequest, "invalid_grant");
        Assert.False(await _client.IsActiveAsync(org.Client, body.GetProperty("access_token").GetString()!));
    }

    [Fact]
    public async Task StandardRefresh_ThroughTheAppClient_Works()
    {
        var org = await _client.CreateOrgAsync();
        await _client.CreateAppUserAsync(org, "sandbox", "bob");
        using var password = await _client.RequestPasswordAsync(org.Sandbox, "bob", "user-password");
        var refreshToken = (await password.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("refresh_token").GetString()!;

        using var refreshed = await _client.PostFormAsync("/token", ServiceClient.BasicOf(org.Sandbox),
            ("grant_type", "refresh_token"), ("refresh_token", refreshToken));

        Assert.Equal(HttpStatusCode.OK, refreshed.StatusCode);
    }

    [Fact]
    public async Task AdminUser_SignsInOnManagementToken_WithServiceDefaultTtl()
    {
        var org = await _client.CreateOrgAsync();
        var name = ServiceClient.UniqueName("admin");
        await _client.CreateAdminAsync(org, name);

        var body = await _client.PasswordTokenAsync("/management/token", name, "admin-password");

        Assert.Equal(604800, body.GetProperty("expires_in").GetInt64());
        Assert.Equal(name, body.GetProperty("user").GetProperty("username").GetString());
        var introspection = await _client.IntrospectAsync(new Credentials("superuser", TokenServiceFactory.SuperuserPassword), body.GetProperty("access_token").GetString()!);
        Assert.Equal("admin_user", introspection.GetProperty("principal_type").GetString());
        Assert.Equal(name, introspection.GetProperty("username").GetString());
    }

    [Fact]
    public async Task DeactivatedUser_CannotSignIn_AndLosesItsTokens()
    {
        var org = await _client.CreateOrgAsync();
        await _client.CreateAppUserAsync(org, "sandbox", "bob");
        var token = await _client.AppUserTokenAsync(org, "sandbox", "bob");

        using var put = await _client.SendAsync(HttpMethod.Put, $"/management/orgs/{org.Name}/apps/sandbox/users/bob", ServiceClient.BasicOf(org.Client), new { activated = false });
        using var signIn = await _client.SendAsync(HttpMethod.Post, $"/{org.Name}/sandbox/token", null, new { grant_type = "password", username = "bob", password = "user-password" });

        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.False(await _client.IsActiveAsync(org.Client, token));
        await ErrorAssert.HasErrorAsync(signIn, HttpStatusCode.BadRequest, "invalid_grant");
    }

    public void Dispose() => _client.Dispose();
}
