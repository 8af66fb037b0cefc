using System.Net;
using TokenService.Tests.Infrastructure;

namespace TokenService.Tests.OAuth;

/// <summary>Moves the service's clock, so it has a host of its own.</summary>
public sealed class ExpiryTests : IAsyncLifetime
{
    private readonly TokenServiceFactory _factory = new(null, null);
    private ServiceClient _client = null!;

    public Task InitializeAsync()
    {
        _client = _factory.CreateServiceClient();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Token_PastItsTtlRoundedUpToTheSecond_IsInactiveAndRefusedAsExpired()
    {
        var org = await _client.CreateOrgAsync();
        var now = _factory.Clock.GetUtcNow();
        _factory.Clock.SetUtcNow(DateTimeOffset.FromUnixTimeSeconds(now.ToUnixTimeSeconds() + 1).AddMilliseconds(600));
        var token = (await _client.GetTokenResponseAsync(org.Sandbox, ("ttl", "1500"))).GetProperty("access_token").GetString()!;

        _factory.Clock.Advance(TimeSpan.FromMilliseconds(1499));
        Assert.True(await _client.IsActiveAsync(org.Client, token));
        using (var stillValid = await _client.SendAsync(HttpMethod.Get, $"/management/orgs/{org.Name}/apps/sandbox", ServiceClient.Bearer(token)))
        {
            Assert.Equal(HttpStatusCode.OK, stillValid.StatusCode);
        }

        // Token dates are whole seconds, rounded up: issued at .600 s, a 1,500 ms token ends at the second
        // after, issuance + 2,400 ms, and is refused from then on.
        _factory.Clock.Advance(TimeSpan.FromMilliseconds(900));
        Assert.True(await _client.IsActiveAsync(org.Client, token));
        _factory.Clock.Advance(TimeSpan.FromMilliseconds(2));
        Assert.False(await _client.IsActiveAsync(org.Client, token));
        using var expired = await _client.SendAsync(HttpMethod.Get, $"/management/orgs/{org.Name}/apps/sandbox", ServiceClient.Bearer(token));
        await ErrorAssert.HasErrorAsync(expired, HttpStatusCode.Unauthorized, "expired_token");
    }

    [Fact]
    public async Task AppUserToken_FromUsergridPath_IsRefusedAsExpiredOnUsergridPaths()
    {
        var org = await _client.CreateOrgAsync();
        await _client.CreateAppUserAsync(org, "sandbox", "bob");
        using var signIn = await _client.SendAsync(HttpMethod.Post, $"/{org.Name}/sandbox/token", null,
            new { grant_type = "password", username = "bob", password = "user-password", ttl = 3000 });
        var token = (await signIn.Content.ReadFromJsonAsync()).GetProperty("access_token").GetString()!;
        using (var fresh = await _client.Http.GetAsync($"/{org.Name}/sandbox/users/me?access_token={token}"))
        {
            Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
        }

        _factory.Clock.Advance(TimeSpan.FromSeconds(4));

        using var expired = await _client.Http.GetAsync($"/{org.Name}/sandbox/users/me?access_token={token}");
        await ErrorAssert.HasErrorAsync(expired, HttpStatusCode.Unauthorized, "expired_token");
    }

    [Fact]
    public async Task NonExpiringToken_IsActiveYearsLater()
    {
        var org = await _client.CreateOrgAsync();
        using var put = await _client.SendAsync(HttpMethod.Put, $"/management/orgs/{org.Name}/apps/sandbox",
            ServiceClient.BasicOf(org.Client), new { accesstokenttl = 0 });
        var token = await _client.GetTokenAsync(org.Sandbox);

        _factory.Clock.Advance(TimeSpan.FromDays(3650));

        Assert.True(await _client.IsActiveAsync(org.Client, token));
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _factory.DisposeAsync();
    }
}
