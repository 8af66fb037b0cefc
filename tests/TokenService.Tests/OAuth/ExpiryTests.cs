using System.Net;
using System.Net.Http.Json;
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
    public async Task Token_AtItsTtlToTheMillisecond_IsRefusedAsExpiredOnEveryPath()
    {
        // Arrange: issued at .600 of a second, so that whole-second rounding would show (1,500 ms ends at x+2.100 s).
        var org = await _client.CreateOrgAsync();
        var api = await _client.CreateResourceServerAsync(org, "api");
        var now = _factory.Clock.GetUtcNow();
        _factory.Clock.SetUtcNow(DateTimeOffset.FromUnixTimeSeconds(now.ToUnixTimeSeconds() + 1).AddMilliseconds(600));
        var response = await _client.GetTokenResponseAsync(org.Sandbox, ("ttl", "1500"));
        var token = response.GetProperty("access_token").GetString()!;

        async Task<(bool Introspected, HttpStatusCode Bearer, string? BearerError, bool Allowed, string? Reason)> EverywhereAsync()
        {
            var introspected = await _client.IsActiveAsync(api, token);
            using var bearer = await _client.SendAsync(HttpMethod.Get, $"/management/orgs/{org.Name}/apps/sandbox", ServiceClient.Bearer(token));
            var bearerBody = await bearer.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
            using var check = await _client.SendAsync(HttpMethod.Post, "/access/check", ServiceClient.BasicOf(api),
                new { org = org.Name, app = "sandbox", authorization = "Bearer " + token });
            var checkBody = await check.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
            return (introspected, bearer.StatusCode,
                bearerBody.TryGetProperty("error", out var error) ? error.GetString() : null,
                checkBody.GetProperty("allowed").GetBoolean(),
                checkBody.TryGetProperty("reason", out var reason) ? reason.GetString() : null);
        }

        // Act: one millisecond before the end (read into the validated-token cache there), then at the end.
        _factory.Clock.Advance(TimeSpan.FromMilliseconds(1499));
        var lastMillisecond = await EverywhereAsync();
        _factory.Clock.Advance(TimeSpan.FromMilliseconds(1));
        var atTheEnd = await EverywhereAsync();

        // Assert: expires_in stays whole seconds (OAuth's unit); the token itself ends at its ttl exactly.
        Assert.Equal(2, response.GetProperty("expires_in").GetInt64());
        Assert.Equal((true, HttpStatusCode.OK, null, true, null), lastMillisecond);
        Assert.Equal((false, HttpStatusCode.Unauthorized, "expired_token", false, "expired_token"), atTheEnd);
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
