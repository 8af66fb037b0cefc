using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using TokenService.Tests.Infrastructure;

namespace TokenService.Tests.Security;

/// <summary>Transport rules, rate limits and size limits, each on a host configured as production would be.</summary>
public sealed class FrontDoorTests
{
    private static TokenServiceFactory Host(params (string Key, string? Value)[] settings) =>
        new(null, settings.ToDictionary(s => s.Key, s => s.Value));

    private static async Task<JsonElement> ErrorAsync(HttpResponseMessage response, HttpStatusCode status, string error)
    {
        Assert.Equal(status, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(error, body.GetProperty("error").GetString());
        return body;
    }

    [Fact]
    public async Task PlainHttp_OutsideDevelopment_IsRefusedWith403_ButHealthAnswers()
    {
        await using var factory = Host(("Transport:AllowHttp", "false"));
        using var http = factory.CreateClient();

        using var token = await http.PostAsync("/token", new FormUrlEncodedContent([new("grant_type", "client_credentials")]));
        using var management = await http.GetAsync("/management/orgs");
        using var health = await http.GetAsync("/health/live");

        await ErrorAsync(token, HttpStatusCode.Forbidden, "https_required");
        await ErrorAsync(management, HttpStatusCode.Forbidden, "https_required");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task Https_OutsideDevelopment_IsServedWithHsts()
    {
        await using var factory = Host(("Transport:AllowHttp", "false"));
        using var https = factory.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://tokens.example.com") }); // HSTS is never sent to localhost
        https.DefaultRequestHeaders.Authorization = ServiceClient.Superuser;

        using var response = await https.GetAsync("/management/orgs");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("max-age=31536000", response.Headers.GetValues("Strict-Transport-Security").Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ForwardedProto_IsBelievedFromATrustedProxyOnly()
    {
        await using var factory = Host(("Transport:AllowHttp", "false"), ("Transport:TrustedProxies:0", "10.0.0.1"));

        async Task<HttpStatusCode> FromAsync(string address)
        {
            using var http = factory.CreateClient();
            using var request = new HttpRequestMessage(HttpMethod.Get, "/management/orgs");
            request.Headers.Add(TokenServiceFactory.RemoteAddressHeader, address);
            request.Headers.Add("X-Forwarded-Proto", "https");
            request.Headers.Add("X-Forwarded-For", "192.0.2.50");
            request.Headers.Authorization = ServiceClient.Superuser;
            using var response = await http.SendAsync(request);
            return response.StatusCode;
        }

        Assert.Equal(HttpStatusCode.OK, await FromAsync("10.0.0.1"));
        Assert.Equal(HttpStatusCode.Forbidden, await FromAsync("10.0.0.2"));
    }

    [Fact]
    public async Task UnauthenticatedRequests_PastTheAddressBudget_Are429WithRetryAfter_PerAddress()
    {
        // Arrange: the host's clock stands still, so every request falls in one window.
        await using var factory = Host(("RateLimits:AddressPerSecond", "5"));
        using var busy = factory.CreateServiceClient("203.0.113.40");
        using var quiet = factory.CreateServiceClient("203.0.113.41");

        // Act: a burst at once, then one from another address.
        var responses = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => busy.Http.GetAsync("/.well-known/openid-configuration")));
        using var other = await quiet.Http.GetAsync("/.well-known/openid-configuration");

        // Assert
        var refused = responses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.Equal(5, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.Equal(7, refused.Count);
        Assert.All(refused, r => Assert.NotNull(r.Headers.RetryAfter));
        await ErrorAsync(refused[0], HttpStatusCode.TooManyRequests, "temporarily_unavailable");
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }

    [Fact]
    public async Task FailingSecrets_AreChargedToTheAddress_AndTheNextWindowIsServedAgain()
    {
        await using var factory = Host(("RateLimits:AddressPerSecond", "3"), ("BruteForce:MaxFailuresPerAddress", "1000"), ("BruteForce:MaxFailuresPerIdentity", "1000"));
        using var client = factory.CreateServiceClient("203.0.113.44");
        var org = await factory.CreateServiceClient("203.0.113.45").CreateOrgAsync();
        var wrong = new Credentials(org.Sandbox.ClientId, "wrong-secret");

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            using var response = await client.RequestTokenAsync(wrong);
            statuses.Add(response.StatusCode);
        }

        factory.Clock.Advance(TimeSpan.FromSeconds(1));
        using var nextWindow = await client.RequestTokenAsync(org.Sandbox);

        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized,
            HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses);
        Assert.Equal(HttpStatusCode.OK, nextWindow.StatusCode);
    }

    [Fact]
    public async Task ResourceServer_IntrospectingUnknownTokens_IsChargedToItsCredential_NotItsAddress()
    {
        // Arrange: an address budget of 5; the API is asked about tokens it cannot know (an attacker's fakes).
        await using var factory = Host(("RateLimits:AddressPerSecond", "5"));
        using var client = factory.CreateServiceClient("203.0.113.48");
        var org = await factory.CreateServiceClient("203.0.113.49").CreateOrgAsync();
        var api = await factory.CreateServiceClient("203.0.113.49").CreateResourceServerAsync(org, "api");

        // Act
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 20; i++)
        {
            using var response = await client.PostFormAsync("/introspect", ServiceClient.BasicOf(api), ("token", new string((char)('A' + i), 43)));
            statuses.Add(response.StatusCode);
        }

        using var guest = await client.Http.GetAsync("/.well-known/openid-configuration");

        // Assert: every answer is {"active":false}, and the address still has its whole budget.
        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.OK, s));
        Assert.Equal(HttpStatusCode.OK, guest.StatusCode);
    }

    [Fact]
    public async Task AuthenticatedCaller_PastItsCredentialBudget_Is429_WhileAnotherCredentialFromTheSameAddressIsServed()
    {
        // Arrange
        await using var factory = Host(("RateLimits:CredentialPerSecond", "3"));
        using var client = factory.CreateServiceClient("203.0.113.42");
        var org = await factory.CreateServiceClient("203.0.113.46").CreateOrgAsync();

        // Act
        var responses = new List<HttpResponseMessage>();
        for (var i = 0; i < 6; i++)
        {
            responses.Add(await client.RequestTokenAsync(org.Sandbox));
        }

        using var management = await client.SendAsync(HttpMethod.Get, $"/management/orgs/{org.Name}/apps/sandbox", ServiceClient.BasicOf(org.Sandbox));
        using var otherCredential = await client.RequestTokenAsync(org.Client);

        // Assert: the budget is the credential's on every endpoint, and not the address's.
        Assert.Equal(3, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
        var refused = responses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.Equal(3, refused.Count);
        Assert.All(refused, r => Assert.NotNull(r.Headers.RetryAfter));
        await ErrorAsync(refused[0], HttpStatusCode.TooManyRequests, "temporarily_unavailable");
        await ErrorAsync(management, HttpStatusCode.TooManyRequests, "temporarily_unavailable");
        Assert.Equal(HttpStatusCode.OK, otherCredential.StatusCode);
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }

    [Fact]
    public async Task OneResourceServer_IntrospectingFlatOutFromOneAddress_WithDefaultLimits_IsNeverThrottled()
    {
        // Arrange: the default limits; every request in one window (the clock stands still).
        var defaults = new TokenService.Options.RateLimitOptions();
        await using var factory = Host(("RateLimits:CredentialPerSecond", defaults.CredentialPerSecond.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("RateLimits:AddressPerSecond", defaults.AddressPerSecond.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        using var client = factory.CreateServiceClient("203.0.113.47");
        var org = await client.CreateOrgAsync();
        var api = await client.CreateResourceServerAsync(org, "busy-api");
        var token = await client.GetTokenAsync(org.Sandbox);

        // Act: 32 workers at once, 2,500 introspections in all — more than twice the address budget.
        var statuses = new System.Collections.Concurrent.ConcurrentBag<HttpStatusCode>();
        await Task.WhenAll(Enumerable.Range(0, 32).Select(async worker =>
        {
            for (var i = worker; i < 2_500; i += 32)
            {
                using var response = await client.PostFormAsync("/introspect", ServiceClient.BasicOf(api), ("token", token));
                statuses.Add(response.StatusCode);
            }
        }));

        // Assert
        Assert.Equal(2_500, statuses.Count);
        Assert.All(statuses, status => Assert.Equal(HttpStatusCode.OK, status));
    }

    [Fact]
    public async Task Health_UnderABurstPastEveryLimit_IsNeverRefused()
    {
        await using var factory = Host(("RateLimits:AddressPerSecond", "1"), ("RateLimits:CredentialPerSecond", "1"));
        using var probe = factory.CreateServiceClient("203.0.113.43");

        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => probe.Http.GetAsync("/health/live")));
        var discovery = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => probe.Http.GetAsync("/.well-known/openid-configuration")));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Contains(discovery, r => r.StatusCode == HttpStatusCode.TooManyRequests); // everything else has a budget
        foreach (var response in responses.Concat(discovery))
        {
            response.Dispose();
        }
    }

    [Fact]
    public async Task AnyEndpoint_ABodyOverTheLimit_Is413BeforeItIsRead()
    {
        await using var factory = Host(("Limits:MaxRequestBodyBytes", "2048"));
        using var client = factory.CreateServiceClient();
        var huge = new string('a', 4096);

        using var token = await client.PostFormAsync("/token", null, ("grant_type", "client_credentials"), ("client_id", huge));
        using var management = await client.SendAsync(HttpMethod.Post, "/management/orgs", ServiceClient.Superuser, new { organization = huge });
        using var small = await client.SendAsync(HttpMethod.Get, "/management/orgs", ServiceClient.Superuser);

        await ErrorAsync(token, HttpStatusCode.RequestEntityTooLarge, "invalid_request");
        await ErrorAsync(management, HttpStatusCode.RequestEntityTooLarge, "invalid_request");
        Assert.Equal(HttpStatusCode.OK, small.StatusCode);
    }
}
