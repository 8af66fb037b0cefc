using System.Net.Http.Json;
using System.Text.Json;
using TokenService.Tests.Infrastructure;

namespace TokenService.Tests.OAuth;

/// <summary>Discovery names the endpoints under the configured issuer, whatever host a request used.</summary>
public sealed class DiscoveryTests
{
    [Theory]
    [InlineData("/.well-known/openid-configuration")]
    [InlineData("/.well-known/oauth-authorization-server")]
    public async Task Discovery_WithAConfiguredIssuer_NamesEveryEndpointUnderIt(string path)
    {
        // Arrange: the service is reached as http://localhost (an instance's own address), its public name is another.
        await using var factory = new TokenServiceFactory(null, new Dictionary<string, string?> { ["Tokens:Issuer"] = "https://tokens.example.com/" });
        using var client = factory.CreateServiceClient();

        // Act
        var document = await client.Http.GetFromJsonAsync<JsonElement>(path);

        // Assert
        Assert.Equal("https://tokens.example.com/", document.GetProperty("issuer").GetString());
        var endpoints = document.EnumerateObject().Where(p => p.Name.EndsWith("_endpoint", StringComparison.Ordinal) || p.Name == "jwks_uri").ToList();
        Assert.Contains(endpoints, p => p.Name == "token_endpoint");
        Assert.Contains(endpoints, p => p.Name == "introspection_endpoint");
        Assert.Contains(endpoints, p => p.Name == "revocation_endpoint");
        Assert.All(endpoints, p => Assert.StartsWith("https://tokens.example.com/", p.Value.GetString(), StringComparison.Ordinal));
        Assert.Equal("https://tokens.example.com/token", document.GetProperty("token_endpoint").GetString());
    }

    [Fact]
    public async Task Discovery_WithAnIssuerUnderAPathWithoutTrailingSlash_KeepsThePath()
    {
        await using var factory = new TokenServiceFactory(null, new Dictionary<string, string?> { ["Tokens:Issuer"] = "https://example.com/auth" });
        using var client = factory.CreateServiceClient();

        var document = await client.Http.GetFromJsonAsync<JsonElement>("/.well-known/openid-configuration");

        Assert.Equal("https://example.com/auth/token", document.GetProperty("token_endpoint").GetString());
        Assert.Equal("https://example.com/auth/introspect", document.GetProperty("introspection_endpoint").GetString());
    }
}
