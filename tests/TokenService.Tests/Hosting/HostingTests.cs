using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using TokenService.Tests.Infrastructure;

namespace TokenService.Tests.Hosting;

[Collection(SharedHost.Name)]
public sealed class HostingTests(TokenServiceFactory factory) : IDisposable
{
    private readonly ServiceClient _client = factory.CreateServiceClient();

    [Theory]
    [InlineData("/health/live")]
    [InlineData("/health/ready")]
    public async Task Health_OnAHealthyHost_Is200(string path)
    {
        using var response = await _client.Http.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task OpenApi_DescribesManagementAndProtocolEndpointsWithAuthSchemes()
    {
        var document = await _client.Http.GetFromJsonAsync<JsonElement>("/swagger/v1/swagger.json");

        var paths = document.GetProperty("paths");
        foreach (var path in (string[])[
            "/management/orgs", "/management/orgs/{org}/apps/{app}", "/token", "/introspect", "/revoke", "/{org}/{app}",
            "/management/token", "/{org}/{app}/token", "/{org}/{app}/users/{user}", "/management/users/{user}",
            "/management/orgs/{org}/apps/{app}/users/{user}/revoketokens", "/access/check", "/health/ready"])
        {
            Assert.True(paths.TryGetProperty(path, out _), $"{path} is not documented");
        }

        var schemes = document.GetProperty("components").GetProperty("securitySchemes");
        Assert.True(schemes.TryGetProperty("bearer", out _));
        Assert.True(schemes.TryGetProperty("basic", out _));
    }

    [Fact]
    public async Task SwaggerUi_IsServed()
    {
        using var response = await _client.Http.GetAsync("/swagger/index.html");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task MalformedJsonOrContentType_Is4xxWithErrorBody()
    {
        var org = await _client.CreateOrgAsync();
        using var badJson = new HttpRequestMessage(HttpMethod.Post, "/management/orgs")
        {
            Content = new StringContent("{\"organization\":", System.Text.Encoding.UTF8, "application/json"),
        };
        badJson.Headers.Authorization = ServiceClient.Superuser;
        using var wrongType = new HttpRequestMessage(HttpMethod.Post, $"/management/orgs/{org.Name}/apps")
        {
            Content = new StringContent("name=x", System.Text.Encoding.UTF8, "text/plain"),
        };
        wrongType.Headers.Authorization = ServiceClient.BasicOf(org.Client);

        using var badJsonResponse = await _client.Http.SendAsync(badJson);
        using var wrongTypeResponse = await _client.Http.SendAsync(wrongType);

        await ErrorAssert.HasErrorAsync(badJsonResponse, HttpStatusCode.BadRequest, "invalid_request");
        await ErrorAssert.HasErrorAsync(wrongTypeResponse, HttpStatusCode.UnsupportedMediaType, "invalid_request");
    }

    [Fact]
    public async Task FormOverTheValueCountLimit_Is400NotA500()
    {
        var org = await _client.CreateOrgAsync();
        var fields = Enumerable.Range(0, 1100).Select(i => new KeyValuePair<string, string>($"k{i}", "v"));
        using var content = new FormUrlEncodedContent(fields);

        using var response = await _client.Http.PostAsync($"/management/orgs/{org.Name}/revoketokens", content);

        await ErrorAssert.HasErrorAsync(response, HttpStatusCode.BadRequest, "invalid_request");
    }

    [Fact]
    public async Task UnknownPathOrMethod_Is4xxWithErrorBody()
    {
        using var unknown = await _client.Http.GetAsync("/management/nothing/here/at/all");
        using var wrongMethod = await _client.Http.PatchAsync("/management/orgs", new StringContent("{}"));

        await ErrorAssert.HasErrorAsync(unknown, HttpStatusCode.NotFound, "service_resource_not_found");
        await ErrorAssert.HasErrorAsync(wrongMethod, HttpStatusCode.MethodNotAllowed, "method_not_allowed");
    }

    public void Dispose() => _client.Dispose();
}
