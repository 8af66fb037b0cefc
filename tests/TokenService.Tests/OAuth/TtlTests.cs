using System.Net;
using System.Text.Json;
using TokenService.Tests.Infrastructure;

namespace TokenService.Tests.OAuth;

[Collection(SharedHost.Name)]
public sealed class TtlTests(TokenServiceFactory factory) : IDisposable
{
    private readonly ServiceClient _client = factory.CreateServiceClient();

    [Theory]
    [InlineData("5000", 5)]
    [InlineData("1500", 2)]
    [InlineData("604800000", 604800)]
    [InlineData("0", 604800)]
    public async Task Token_WithTtl_LivesExactlyThatLong(string ttl, long expectedExpiresIn)
    {
        var org = await _client.CreateOrgAsync();

        var body = await _client.GetTokenResponseAsync(org.Sandbox, ("ttl", ttl));

        Assert.Equal(expectedExpiresIn, body.GetProperty("expires_in").GetInt64());
    }

    [Theory]
    [InlineData("604800001")]
    [InlineData("-1")]
    [InlineData("abc")]
    [InlineData("1.5")]
    [InlineData("")]
    [InlineData(" 5000")]
    [InlineData("99999999999999999999999")]
    public async Task Token_WithBadTtl_Is400InvalidRequestNamingTheMaximum(string ttl)
    {
        var org = await _client.CreateOrgAsync();

        using var response = await _client.RequestTokenAsync(org.Sandbox, ("ttl", ttl));

        var body = await ErrorAssert.HasErrorAsync(response, HttpStatusCode.BadRequest, "invalid_request");
        Assert.Contains("604800000", body.GetProperty("error_description").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_WithTtlTwice_Is400InvalidRequest()
    {
        var org = await _client.CreateOrgAsync();

        using var response = await _client.RequestTokenAsync(org.Sandbox, ("ttl", "1000"), ("ttl", "2000"));

        await ErrorAssert.HasErrorAsync(response, HttpStatusCode.BadRequest, "invalid_request");
    }

    [Fact]
    public async Task AppTtlChange_AffectsNextTokenOnly()
    {
        var org = await _client.CreateOrgAsync();
        var before = await _client.GetTokenAsync(org.Sandbox);
        var expBefore = (await _client.IntrospectAsync(org.Client, before)).GetProperty("exp").GetInt64();

        using var put = await PutSandboxTtlAsync(org, 3_600_000);
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal(3_600_000, (await put.Content.ReadFromJsonAsync()).GetProperty("accesstokenttl").GetInt64());
        var after = await _client.GetTokenResponseAsync(org.Sandbox);

        Assert.Equal(3600, after.GetProperty("expires_in").GetInt64());
        Assert.Equal(expBefore, (await _client.IntrospectAsync(org.Client, before)).GetProperty("exp").GetInt64());
        using var tooLong = await _client.RequestTokenAsync(org.Sandbox, ("ttl", "3600001"));
        await ErrorAssert.HasErrorAsync(tooLong, HttpStatusCode.BadRequest, "invalid_request");
    }

    [Fact]
    public async Task OrgTtlChange_AppliesToOrgClientTokensNotAppTokens()
    {
        var org = await _client.CreateOrgAsync();

        using var put = await _client.SendAsync(HttpMethod.Put, $"/management/orgs/{org.Name}",
            ServiceClient.BasicOf(org.Client), new { accesstokenttl = 60_000 });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);

        Assert.Equal(60, (await _client.GetTokenResponseAsync(org.Client)).GetProperty("expires_in").GetInt64());
        Assert.Equal(604800, (await _client.GetTokenResponseAsync(org.Sandbox)).GetProperty("expires_in").GetInt64());
    }

    [Fact]
    public async Task NonExpiringApp_IssuesTokensWithoutExpiry_AndTtlStillNarrows()
    {
        var org = await _client.CreateOrgAsync();
        using var put = await PutSandboxTtlAsync(org, 0);
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);

        var forever = await _client.GetTokenResponseAsync(org.Sandbox);
        var narrowed = await _client.GetTokenResponseAsync(org.Sandbox, ("ttl", "10000"));

        Assert.False(forever.TryGetProperty("expires_in", out _));
        var introspection = await _client.IntrospectAsync(org.Client, forever.GetProperty("access_token").GetString()!);
        Assert.True(introspection.GetProperty("active").GetBoolean());
        Assert.False(introspection.TryGetProperty("exp", out _));
        Assert.Equal(10, narrowed.GetProperty("expires_in").GetInt64());
    }

    [Theory]
    [InlineData("{\"accesstokenttl\": -1}")]
    [InlineData("{\"accesstokenttl\": \"abc\"}")]
    [InlineData("{\"accesstokenttl\": 1.5}")]
    [InlineData("{\"accesstokenttl\": 99999999999999999999}")]
    [InlineData("{\"accesstokenttl\": 3153600000001}")]
    [InlineData("not json")]
    [InlineData("null")]
    public async Task PutApp_WithBadTtl_Is400AndChangesNothing(string json)
    {
        var org = await _client.CreateOrgAsync();
        using var request = new HttpRequestMessage(HttpMethod.Put, $"/management/orgs/{org.Name}/apps/sandbox")
        {
            Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = ServiceClient.BasicOf(org.Client);

        using var response = await _client.Http.SendAsync(request);

        await ErrorAssert.HasErrorAsync(response, HttpStatusCode.BadRequest, "invalid_request");
        Assert.Equal(604800, (await _client.GetTokenResponseAsync(org.Sandbox)).GetProperty("expires_in").GetInt64());
    }

    [Fact]
    public async Task UsergridPutApp_ChangesTtl()
    {
        var org = await _client.CreateOrgAsync();

        using var put = await _client.SendAsync(HttpMethod.Put, $"/{org.Name}/sandbox",
            ServiceClient.BasicOf(org.Sandbox), new { accesstokenttl = 120_000 });

        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal(120, (await _client.GetTokenResponseAsync(org.Sandbox)).GetProperty("expires_in").GetInt64());
    }

    private Task<HttpResponseMessage> PutSandboxTtlAsync(TestOrg org, long ttl) =>
        _client.SendAsync(HttpMethod.Put, $"/management/orgs/{org.Name}/apps/sandbox", ServiceClient.BasicOf(org.Client), new { accesstokenttl = ttl });

    public void Dispose() => _client.Dispose();
}

internal static class HttpContentJson
{
    public static async Task<JsonElement> ReadFromJsonAsync(this HttpContent content) =>
        JsonSerializer.Deserialize<JsonElement>(await content.ReadAsStringAsync());
}
