using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TokenService.Tests.Infrastructure;

namespace TokenService.Tests.Samples;

/// <summary>The service and <c>samples/ResourceServer</c>, each on its own loopback port, an organization and its credentials.</summary>
public sealed class ResourceServerHosts : IAsyncLifetime
{
    private WebApplication? _sample;

    public TokenServiceFactory Service { get; private set; } = null!;

    public ServiceClient Api { get; private set; } = null!;

    public HttpClient Sample { get; private set; } = null!;

    public TestOrg Org { get; private set; } = null!;

    public TestOrg Other { get; private set; } = null!;

    /// <summary>A secured application of <see cref="Org"/>.</summary>
    public Credentials Orders { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Service = new TokenServiceFactory();
        Service.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        Service.StartServer();
        ServiceUrl = Service.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
        Api = new ServiceClient(new HttpClient { BaseAddress = new Uri(ServiceUrl) });
        Org = await Api.CreateOrgAsync();
        Other = await Api.CreateOrgAsync();
        Orders = await Api.CreateAppAsync(Org, "orders");
        var credential = await Api.CreateResourceServerAsync(Org, "items-api");

        Credential = credential;
        _sample = await StartSampleAsync(ServiceUrl, credential);
        Sample = new HttpClient { BaseAddress = new Uri(_sample.Urls.First()) };
    }

    public string ServiceUrl { get; private set; } = "";

    /// <summary>The resource-server credential the sample runs with.</summary>
    public Credentials Credential { get; private set; } = null!;

    /// <summary>The sample on a free loopback port, asking the service at <paramref name="serviceUrl"/>.</summary>
    public static async Task<WebApplication> StartSampleAsync(string serviceUrl, Credentials credential)
    {
        var sample = ResourceServer.ResourceServerApp.Create(
        [
            "--urls", "http://127.0.0.1:0", "--TokenService:Url", serviceUrl + "/",
            "--TokenService:ClientId", credential.ClientId, "--TokenService:ClientSecret", credential.ClientSecret,
            "--Logging:LogLevel:Default", "Error",
        ]);
        await sample.StartAsync();
        return sample;
    }

    public async Task DisposeAsync()
    {
        Sample?.Dispose();
        if (_sample is not null)
        {
            await _sample.DisposeAsync();
        }

        Api?.Dispose();
        await Service.DisposeAsync();
    }
}

/// <summary>
/// An API protected by the service with stock libraries (OpenIddict validation in introspection mode; one access-check
/// call for Usergrid-style requests), as <c>samples/ResourceServer</c> shows it, against the real service.
/// </summary>
public sealed class ResourceServerTests(ResourceServerHosts hosts) : IClassFixture<ResourceServerHosts>
{
    [Fact]
    public async Task Bearer_AValidToken_Is200WithThePrincipalsClaims()
    {
        var token = await hosts.Api.GetTokenAsync(hosts.Org.Sandbox);

        using var response = await GetAsync("/api/me", token);
        var claims = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("app_client", claims.GetProperty("principal_type").GetString());
        Assert.Equal(hosts.Org.Name, claims.GetProperty("org").GetString());
        Assert.Equal("sandbox", claims.GetProperty("app").GetString());
    }

    [Fact]
    public async Task Bearer_ARevokedToken_Is401AtOnce()
    {
        var token = await hosts.Api.GetTokenAsync(hosts.Org.Sandbox);
        using var before = await GetAsync("/api/me", token);

        using var revoke = await hosts.Api.RevokeAsync(hosts.Org.Client, token);
        using var after = await GetAsync("/api/me", token);

        Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Bearer_ATokenOfAnotherOrganization_OrNone_Is401(bool otherOrganization)
    {
        var token = otherOrganization ? await hosts.Api.GetTokenAsync(hosts.Other.Sandbox) : null;

        using var response = await GetAsync("/api/me", token);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Usergrid_TheAppsClientIdAndSecret_ActAsTheApp()
    {
        using var response = await hosts.Sample.GetAsync(
            $"/{hosts.Org.Name}/orders/items?client_id={hosts.Orders.ClientId}&client_secret={hosts.Orders.ClientSecret}");
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("app_client", body.GetProperty("caller").GetProperty("principal_type").GetString());
    }

    [Fact]
    public async Task Usergrid_ATokenInTheQuery_IsAllowedOnItsApp_AndAnotherOrgsIsNot()
    {
        var token = await hosts.Api.GetTokenAsync(hosts.Orders);
        var foreign = await hosts.Api.GetTokenAsync(hosts.Other.Sandbox);

        using var own = await hosts.Sample.GetAsync($"/{hosts.Org.Name}/orders/items?access_token={token}");
        using var other = await hosts.Sample.GetAsync($"/{hosts.Org.Name}/orders/items?access_token={foreign}");

        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, other.StatusCode);
    }

    [Fact]
    public async Task Usergrid_AGuest_IsAllowedOnTheSandbox_AndRefusedOnASecuredApp()
    {
        using var sandbox = await hosts.Sample.GetAsync($"/{hosts.Org.Name}/sandbox/items");
        using var secured = await hosts.Sample.GetAsync($"/{hosts.Org.Name}/orders/items");
        var body = await sandbox.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.OK, sandbox.StatusCode);
        Assert.Equal("guest", body.GetProperty("caller").GetProperty("principal_type").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, secured.StatusCode);
    }

    [Fact]
    public async Task Usergrid_WhenTheServiceCannotJudge_Is503NotA401()
    {
        // Arrange: one sample whose own credential the service refuses, one asking a port where nothing listens.
        await using var wrongSecret = await ResourceServerHosts.StartSampleAsync(hosts.ServiceUrl, hosts.Credential with { ClientSecret = "not-its-secret" });
        await using var unreachable = await ResourceServerHosts.StartSampleAsync(ClosedUrl(), hosts.Credential);
        var path = $"/{hosts.Org.Name}/sandbox/items";

        using var http = new HttpClient();

        // Act
        using var refusedServer = await http.GetAsync(new Uri(new Uri(wrongSecret.Urls.First()), path));
        using var nobodyThere = await http.GetAsync(new Uri(new Uri(unreachable.Urls.First()), path));

        // Assert: a guest is allowed on the sandbox, so only the missing judgement can refuse these.
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refusedServer.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, nobodyThere.StatusCode);
        Assert.NotNull(refusedServer.Headers.RetryAfter);
        Assert.NotNull(nobodyThere.Headers.RetryAfter);
    }

    [Fact]
    public async Task Usergrid_ACredentialLockedAfterTooManyFailures_Is429NotA401()
    {
        // Arrange: an app of its own (the lockout holds for its id at the sample's address), as many wrong secrets
        // through the sample as the service allows.
        var app = await hosts.Api.CreateAppAsync(hosts.Org, "lockable");
        var path = $"/{hosts.Org.Name}/lockable/items";
        var allowed = hosts.Service.Services.GetRequiredService<IOptions<TokenService.Options.BruteForceOptions>>().Value.MaxFailuresPerIdentity;
        var wrong = new List<HttpStatusCode>();
        for (var attempt = 0; attempt < allowed; attempt++)
        {
            using var failed = await hosts.Sample.GetAsync($"{path}?client_id={app.ClientId}&client_secret=wrong-secret");
            wrong.Add(failed.StatusCode);
        }

        // Act: the right secret, now locked.
        using var locked = await hosts.Sample.GetAsync($"{path}?client_id={app.ClientId}&client_secret={app.ClientSecret}");

        // Assert
        Assert.All(wrong, status => Assert.Equal(HttpStatusCode.Unauthorized, status));
        Assert.Equal(HttpStatusCode.TooManyRequests, locked.StatusCode);
        Assert.NotNull(locked.Headers.RetryAfter);
    }

    /// <summary>A loopback URL where nothing listens (a port just given back).</summary>
    private static string ClosedUrl()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return $"http://127.0.0.1:{port}";
    }

    private async Task<HttpResponseMessage> GetAsync(string path, string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = token is null ? null : new AuthenticationHeaderValue("Bearer", token);
        return await hosts.Sample.SendAsync(request);
    }
}
