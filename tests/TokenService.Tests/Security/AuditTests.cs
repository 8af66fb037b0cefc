using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using TokenService.Tests.Infrastructure;

namespace TokenService.Tests.Security;

[Collection(SharedHost.Name)]
public sealed class AuditTests(TokenServiceFactory factory) : IDisposable
{
    private readonly ServiceClient _client = factory.CreateServiceClient("198.51.100.77");

    private async Task<JsonElement> AuditAsync(TestOrg org, string query = "")
    {
        using var response = await _client.SendAsync(HttpMethod.Get, $"/management/orgs/{org.Name}/audit{query}", ServiceClient.BasicOf(org.Client));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToString());
        return body;
    }

    [Fact]
    public async Task BulkRevocations_ByClientAndByUser_AreRecordedUnderTheirOrganization_WithWhoAndHowMany()
    {
        // Arrange: two tokens of the sandbox's client, one of a sandbox user.
        var org = await _client.CreateOrgAsync();
        await _client.GetTokenAsync(org.Sandbox);
        await _client.GetTokenAsync(org.Sandbox);
        var userId = await _client.CreateAppUserAsync(org, "sandbox", "rita");
        await _client.AppUserTokenAsync(org, "sandbox", "rita");

        // Act: every token of the app revoked, then every token of the user (none left by then).
        using var app = await _client.SendAsync(HttpMethod.Post, $"/management/orgs/{org.Name}/apps/sandbox/revoketokens", ServiceClient.BasicOf(org.Client));
        using var user = await _client.SendAsync(HttpMethod.Post, $"/management/orgs/{org.Name}/apps/sandbox/users/rita/revoketokens", ServiceClient.BasicOf(org.Client));

        // Assert: the app's two clients (its own and its users' public one) each get an event; then the user's.
        Assert.Equal(HttpStatusCode.OK, app.StatusCode);
        Assert.Equal(HttpStatusCode.OK, user.StatusCode);
        var events = (await AuditAsync(org)).GetProperty("items").EnumerateArray()
            .Where(e => e.GetProperty("kind").GetString() == "tokens_revoked").ToList();
        var byClient = events.Single(e => e.GetProperty("target").GetString() == $"client:{org.Sandbox.ClientId}");
        Assert.Equal("2 revoked", byClient.GetProperty("detail").GetString());
        Assert.Equal($"org_client:{org.Client.ClientId}", byClient.GetProperty("actor").GetString());
        var byUser = events.Single(e => e.GetProperty("target").GetString() == userId.ToString());
        Assert.Equal("0 revoked", byUser.GetProperty("detail").GetString());
        Assert.Equal(3, events.Count);
    }

    [Fact]
    public async Task Audit_AfterEachAuditedAction_ShowsWhoWhatWhenNewestFirst_AndNoSecret()
    {
        // Arrange and act: one of each audited action.
        var org = await _client.CreateOrgAsync();
        var token = await _client.GetTokenAsync(org.Sandbox);
        using (var revoked = await _client.RevokeAsync(org.Sandbox, token))
        {
            Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
        }

        using (var ttl = await _client.SendAsync(HttpMethod.Put, $"/management/orgs/{org.Name}/apps/sandbox", ServiceClient.BasicOf(org.Client), new { accesstokenttl = 60_000 }))
        {
            Assert.Equal(HttpStatusCode.OK, ttl.StatusCode);
        }

        string newSecret;
        using (var regenerated = await _client.SendAsync(HttpMethod.Post, $"/management/orgs/{org.Name}/apps/sandbox/credentials", ServiceClient.BasicOf(org.Client)))
        {
            newSecret = (await regenerated.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("client_secret").GetString()!;
        }

        using (var failed = await _client.RequestTokenAsync(org.Sandbox))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, failed.StatusCode); // the old secret, after regeneration
        }

        // Assert
        var body = await AuditAsync(org);
        var events = body.GetProperty("items").EnumerateArray().ToList();
        var kinds = events.Select(e => e.GetProperty("kind").GetString()).ToList();
        Assert.Equal(["authentication_failed", "credentials_regenerated", "ttl_changed", "token_revoked", "token_issued"], kinds.Take(5));
        Assert.Equal(events.Select(e => e.GetProperty("id").GetInt64()).OrderByDescending(id => id), events.Select(e => e.GetProperty("id").GetInt64()));

        var issued = events.Single(e => e.GetProperty("kind").GetString() == "token_issued");
        var revokedEvent = events.Single(e => e.GetProperty("kind").GetString() == "token_revoked");
        Assert.Equal(issued.GetProperty("target").GetString(), revokedEvent.GetProperty("target").GetString());
        Assert.Equal($"client:{org.Sandbox.ClientId}", issued.GetProperty("actor").GetString());
        Assert.Equal($"client:{org.Sandbox.ClientId}", revokedEvent.GetProperty("actor").GetString());
        var ttlEvent = events.Single(e => e.GetProperty("kind").GetString() == "ttl_changed");
        Assert.EndsWith("-> 60000", ttlEvent.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal($"org_client:{org.Client.ClientId}", ttlEvent.GetProperty("actor").GetString());
        Assert.Equal("198.51.100.77", ttlEvent.GetProperty("address").GetString());
        Assert.All(events, e => Assert.True(e.GetProperty("at").GetDateTimeOffset() > DateTimeOffset.UnixEpoch));

        var text = body.ToString();
        foreach (var secret in (string[])[token, org.Sandbox.ClientSecret, org.Client.ClientSecret, newSecret])
        {
            Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Audit_Paginated_WalksEveryEventOnceNewestFirst()
    {
        var org = await _client.CreateOrgAsync();
        for (var i = 0; i < 5; i++)
        {
            await _client.GetTokenAsync(org.Sandbox);
        }

        var ids = new List<long>();
        string? cursor = null;
        do
        {
            var page = await AuditAsync(org, "?limit=2" + (cursor is null ? "" : "&cursor=" + cursor));
            var items = page.GetProperty("items").EnumerateArray().ToList();
            Assert.InRange(items.Count, 1, 2);
            ids.AddRange(items.Select(e => e.GetProperty("id").GetInt64()));
            cursor = page.GetProperty("cursor").GetString();
        }
        while (cursor is not null);

        Assert.Equal(5, ids.Count);
        Assert.Equal(ids.OrderByDescending(id => id), ids);
    }

    [Fact]
    public async Task Audit_OfAnotherOrganization_IsRefused_AndNeverShowsItsEvents()
    {
        var org = await _client.CreateOrgAsync();
        var other = await _client.CreateOrgAsync();
        await _client.GetTokenAsync(other.Sandbox);

        using var foreign = await _client.SendAsync(HttpMethod.Get, $"/management/orgs/{other.Name}/audit", ServiceClient.BasicOf(org.Client));
        var own = await AuditAsync(org);

        Assert.Equal(HttpStatusCode.Forbidden, foreign.StatusCode);
        Assert.DoesNotContain(other.Sandbox.ClientId, own.ToString(), StringComparison.Ordinal);
    }

    public void Dispose() => _client.Dispose();
}
