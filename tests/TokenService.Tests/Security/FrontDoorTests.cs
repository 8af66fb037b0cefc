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
    public async Task ManagementApi_PastTheRateLimit_Is429WithRetryAfter_PerAddress()
    {
        await using var factory = Host(("RateLimits:ManagementPerSecond", "5"));
        using var busy = factory.CreateServiceClient("203.0.113.40");
        using var quiet = factory.CreateServiceClient("203.0.113.41");
        using var warm = await busy.SendAsync(HttpMethod.Get, "/management/orgs", ServiceClient.Superuser);

        // A burst at once, so that it cannot spread over windows however slow this machine is.
        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => busy.SendAsync(HttpMethod.Get, "/management/orgs", ServiceClient.Superuser)));
        using var other = await quiet.SendAsync(HttpMethod.Get, "/management/orgs", ServiceClient.Superuser);

        Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        var refused = responses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.InRange(responses.Count(r => r.StatusCode == HttpStatusCode.OK), 0, 10);
        Assert.NotEmpty(refused);
        Assert.All(refused, r => Assert.NotNull(r.Headers.RetryAfter));
        await ErrorAsync(refused[0], HttpStatusCode.TooManyRequests, "temporarily_unavailable");
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }

    [Fact]
    public async Task Health_UnderABurstPastEveryLimit_IsNeverRefused()
    {
        await using var factory = Host(("RateLimits:ManagementPerSecond", "1"), ("RateLimits:ProtocolPerSecond", "1"));
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
    public async Task TokenEndpoint_PastTheRateLimit_Is429()
    {
        await using var factory = Host(("RateLimits:ProtocolPerSecond", "3"));
        using var client = factory.CreateServiceClient("203.0.113.42");

        var responses = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => client.PostFormAsync("/token", null, ("grant_type", "client_credentials"))));

        Assert.Contains(responses, r => r.StatusCode == HttpStatusCode.TooManyRequests);
        Assert.InRange(responses.Count(r => r.StatusCode != HttpStatusCode.TooManyRequests), 0, 6);
        foreach (var response in responses)
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
