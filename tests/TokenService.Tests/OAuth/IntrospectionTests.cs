using System.Net;
using TokenService.Tests.Infrastructure;

namespace TokenService.Tests.OAuth;

[Collection(SharedHost.Name)]
public sealed class IntrospectionTests(TokenServiceFactory factory) : IDisposable
{
    private static readonly Credentials Superuser = new("superuser", TokenServiceFactory.SuperuserPassword);
    private readonly ServiceClient _client = factory.CreateServiceClient();

    [Fact]
    public async Task Introspect_ActiveAppToken_ReportsTheContractFields()
    {
        var org = await _client.CreateOrgAsync();
        var token = await _client.GetTokenAsync(org.Sandbox);

        var body = await _client.IntrospectAsync(org.Client, token);

        Assert.True(body.GetProperty("active").GetBoolean());
        Assert.Equal("Bearer", body.GetProperty("token_type").GetString());
        Assert.Equal(org.Sandbox.ClientId, body.GetProperty("client_id").GetString());
        Assert.Equal(org.Sandbox.ClientId, body.GetProperty("sub").GetString());
        Assert.Equal("app_client", body.GetProperty("principal_type").GetString());
        Assert.Equal(org.Name, body.GetProperty("org").GetString());
        Assert.Equal("sandbox", body.GetProperty("app").GetString());
        Assert.True(body.GetProperty("exp").GetInt64() > body.GetProperty("iat").GetInt64());
        Assert.False(body.TryGetProperty("username", out _));
        Assert.False(body.TryGetProperty("org_id", out _));
        Assert.False(body.TryGetProperty("ts_exp_ms", out _));
    }

    [Fact]
    public async Task Introspect_UnderAnotherHostNameThanTheTokenWasIssuedUnder_IsActive()
    {
        // Arrange: issued through one name of the service (the balancer, a restarted instance on another port)...
        var org = await _client.CreateOrgAsync();
        var token = await _client.GetTokenAsync(org.Sandbox);
        using var elsewhere = new ServiceClient(factory.CreateClient(
            new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { BaseAddress = new Uri("http://instance-7.internal:8080") }));

        // Act: ...and introspected through another.
        var active = await elsewhere.IsActiveAsync(org.Client, token);

        // Assert
        Assert.True(active);
    }

    [Fact]
    public async Task Introspect_ByEveryCallerWithPower_IsActive()
    {
        var org = await _client.CreateOrgAsync();
        var server = await _client.CreateResourceServerAsync(org, "api");
        var token = await _client.GetTokenAsync(org.Sandbox);

        Assert.True(await _client.IsActiveAsync(org.Sandbox, token));
        Assert.True(await _client.IsActiveAsync(org.Client, token));
        Assert.True(await _client.IsActiveAsync(server, token));
        Assert.True(await _client.IsActiveAsync(Superuser, token));
    }

    [Fact]
    public async Task Introspect_ByAnotherTenant_IsInactiveWithNoHint()
    {
        var org = await _client.CreateOrgAsync();
        var other = await _client.CreateOrgAsync();
        var sibling = await _client.CreateAppAsync(org, "sibling");
        var foreignServer = await _client.CreateResourceServerAsync(other, "api");
        var token = await _client.GetTokenAsync(org.Sandbox);
        var orgToken = await _client.GetTokenAsync(org.Client);

        foreach (var caller in (Credentials[])[other.Client, other.Sandbox, foreignServer, sibling])
        {
            var body = await _client.IntrospectAsync(caller, token);
            Assert.False(body.GetProperty("active").GetBoolean());
            Assert.Single(body.EnumerateObject());
        }

        // An app client does not see its org client's tokens either.
        Assert.False(await _client.IsActiveAsync(org.Sandbox, orgToken));
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.")]
    [InlineData("' OR 1=1 --")]
    public async Task Introspect_GarbageOrUnknownToken_IsInactive(string token)
    {
        var org = await _client.CreateOrgAsync();

        var body = await _client.IntrospectAsync(org.Client, token);

        Assert.False(body.GetProperty("active").GetBoolean());
    }

    [Fact]
    public async Task Introspect_MissingToken_Is400InvalidRequest()
    {
        var org = await _client.CreateOrgAsync();

        using var response = await _client.PostFormAsync("/introspect", ServiceClient.BasicOf(org.Client), ("token", ""));

        await ErrorAssert.HasErrorAsync(response, HttpStatusCode.BadRequest, "invalid_request");
    }

    [Fact]
    public async Task Introspect_WrongCallerSecret_Is401InvalidClient()
    {
        var org = await _client.CreateOrgAsync();
        var token = await _client.GetTokenAsync(org.Sandbox);

        using var response = await _client.PostFormAsync("/introspect", ServiceClient.Basic(org.Client.ClientId, "wrong"), ("token", token));

        await ErrorAssert.HasErrorAsync(response, HttpStatusCode.Unauthorized, "invalid_client");
    }

    [Fact]
    public async Task Revoke_ByObtainingClient_MakesTokenInactive()
    {
        var org = await _client.CreateOrgAsync();
        var token = await _client.GetTokenAsync(org.Sandbox);

        using var response = await _client.RevokeAsync(org.Sandbox, token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(await _client.IsActiveAsync(org.Client, token));
    }

    [Fact]
    public async Task Revoke_OfATokenJustIntrospected_IsSeenAtOnceOnThisInstance()
    {
        var org = await _client.CreateOrgAsync();
        var token = await _client.GetTokenAsync(org.Sandbox);
        Assert.True(await _client.IsActiveAsync(org.Client, token));
        Assert.True(await _client.IsActiveAsync(org.Client, token));

        using var revoke = await _client.RevokeAsync(org.Client, token);

        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        Assert.False(await _client.IsActiveAsync(org.Client, token));
    }

    [Fact]
    public async Task Revoke_ByOrgClientOrSuperuser_MakesAppTokenInactive()
    {
        var org = await _client.CreateOrgAsync();
        var first = await _client.GetTokenAsync(org.Sandbox);
        var second = await _client.GetTokenAsync(org.Sandbox);

        using var byOrg = await _client.RevokeAsync(org.Client, first);
        using var bySuperuser = await _client.RevokeAsync(Superuser, second);

        Assert.False(await _client.IsActiveAsync(org.Client, first));
        Assert.False(await _client.IsActiveAsync(org.Client, second));
    }

    [Fact]
    public async Task Revoke_ByAnotherTenant_Answers200AndRevokesNothing()
    {
        var org = await _client.CreateOrgAsync();
        var other = await _client.CreateOrgAsync();
        var sibling = await _client.CreateAppAsync(org, "sibling");
        var token = await _client.GetTokenAsync(org.Sandbox);

        using var foreign = await _client.RevokeAsync(other.Client, token);
        using var bySibling = await _client.RevokeAsync(sibling, token);

        Assert.Equal(HttpStatusCode.OK, foreign.StatusCode);
        Assert.Equal(HttpStatusCode.OK, bySibling.StatusCode);
        Assert.True(await _client.IsActiveAsync(org.Client, token));
    }

    [Fact]
    public async Task Revoke_ByResourceServer_IsRefusedAndRevokesNothing()
    {
        var org = await _client.CreateOrgAsync();
        var server = await _client.CreateResourceServerAsync(org, "api");
        var token = await _client.GetTokenAsync(org.Sandbox);

        using var response = await _client.RevokeAsync(server, token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True(await _client.IsActiveAsync(server, token));
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public async Task Revoke_UnknownToken_Is200(string token)
    {
        var org = await _client.CreateOrgAsync();

        using var response = await _client.RevokeAsync(org.Client, token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    public void Dispose() => _client.Dispose();
}
