using System.Net;
using System.Text;
using TokenService.Tests.Infrastructure;

namespace TokenService.Tests.Hosting;

/// <summary>The mistakes a newcomer makes first, each answered with what to do instead.</summary>
[Collection(SharedHost.Name)]
public sealed class NewcomerMessagesTests(TokenServiceFactory factory) : IDisposable
{
    private readonly ServiceClient _client = factory.CreateServiceClient();

    [Fact]
    public async Task TokenEndpoint_JsonBody_Is400SayingToSendAFormAndWhereJsonIsAccepted()
    {
        var org = await _client.CreateOrgAsync();

        using var response = await _client.SendAsync(HttpMethod.Post, "/token", ServiceClient.BasicOf(org.Sandbox), new { grant_type = "client_credentials" });

        var body = await ErrorAssert.HasErrorAsync(response, HttpStatusCode.BadRequest, "invalid_request");
        var description = body.GetProperty("error_description").GetString()!;
        Assert.Contains("application/x-www-form-urlencoded", description, StringComparison.Ordinal);
        Assert.Contains("/{org}/{app}/token", description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TokenEndpoint_JsonBodyOnTheUsergridPath_IsStillAccepted()
    {
        var org = await _client.CreateOrgAsync();

        using var response = await _client.SendAsync(HttpMethod.Post, $"/{org.Name}/sandbox/token", null,
            new { grant_type = "client_credentials", client_id = org.Sandbox.ClientId, client_secret = org.Sandbox.ClientSecret });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("{\"accesstokenttl\":\"3600000\"}")]
    [InlineData("{\"accesstokenttl\":\"1h\"}")]
    [InlineData("{\"accesstokenttl\":1e400}")]
    public async Task Settings_ATtlThatIsNotAJsonWholeNumber_Is400AndChangesNothing(string json)
    {
        // Arrange
        var org = await _client.CreateOrgAsync();
        using var before = await _client.SendAsync(HttpMethod.Get, $"/management/orgs/{org.Name}/apps/sandbox", ServiceClient.BasicOf(org.Client));
        var stored = await before.Content.ReadAsStringAsync();
        using var request = new HttpRequestMessage(HttpMethod.Put, $"/management/orgs/{org.Name}/apps/sandbox")
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = ServiceClient.BasicOf(org.Client);

        // Act
        using var response = await _client.Http.SendAsync(request);

        // Assert
        await ErrorAssert.HasErrorAsync(response, HttpStatusCode.BadRequest, "invalid_request");
        using var after = await _client.SendAsync(HttpMethod.Get, $"/management/orgs/{org.Name}/apps/sandbox", ServiceClient.BasicOf(org.Client));
        Assert.Equal(stored, await after.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Settings_ATtlOutOfRange_NamesTheFieldAndItsBounds()
    {
        var org = await _client.CreateOrgAsync();

        using var response = await _client.SendAsync(HttpMethod.Put, $"/management/orgs/{org.Name}/apps/sandbox", ServiceClient.BasicOf(org.Client),
            new { accesstokenttl = -1 });

        var body = await ErrorAssert.HasErrorAsync(response, HttpStatusCode.BadRequest, "invalid_request");
        var description = body.GetProperty("error_description").GetString()!;
        Assert.Contains("accesstokenttl", description, StringComparison.Ordinal);
        Assert.Contains("milliseconds", description, StringComparison.Ordinal);
        Assert.Contains("3153600000000", description, StringComparison.Ordinal);
    }

    public void Dispose() => _client.Dispose();
}
