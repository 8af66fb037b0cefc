using Duende.IdentityModel.Client;
using TokenService.Tests.Infrastructure;

namespace TokenService.Tests.OAuth;

/// <summary>
/// A standard OAuth client library, used as a new user would: discovery, client credentials with either
/// authentication method, introspection as a resource server, revocation, and the token seen inactive.
/// </summary>
[Collection(SharedHost.Name)]
public sealed class StandardClientTests(TokenServiceFactory factory) : IDisposable
{
    private readonly ServiceClient _client = factory.CreateServiceClient();

    [Theory]
    [InlineData(ClientCredentialStyle.AuthorizationHeader)]
    [InlineData(ClientCredentialStyle.PostBody)]
    public async Task DuendeClient_FullLifecycle_Works(ClientCredentialStyle style)
    {
        var org = await _client.CreateOrgAsync();
        var server = await _client.CreateResourceServerAsync(org, "api");
        var http = _client.Http;

        var discovery = await http.GetDiscoveryDocumentAsync(new DiscoveryDocumentRequest
        {
            Address = http.BaseAddress!.ToString(),
            Policy = { RequireHttps = false },
        });
        Assert.False(discovery.IsError, discovery.Error);

        var token = await http.RequestClientCredentialsTokenAsync(new ClientCredentialsTokenRequest
        {
            Address = discovery.TokenEndpoint,
            ClientId = org.Sandbox.ClientId,
            ClientSecret = org.Sandbox.ClientSecret,
            ClientCredentialStyle = style,
        });
        Assert.False(token.IsError, token.Error);
        Assert.Equal(604800, token.ExpiresIn);

        var introspection = await http.IntrospectTokenAsync(new TokenIntrospectionRequest
        {
            Address = discovery.IntrospectionEndpoint,
            ClientId = server.ClientId,
            ClientSecret = server.ClientSecret,
            ClientCredentialStyle = style,
            Token = token.AccessToken!,
        });
        Assert.False(introspection.IsError, introspection.Error);
        Assert.True(introspection.IsActive);
        Assert.Equal("app_client", introspection.Claims.Single(c => c.Type == "principal_type").Value);

        var revocation = await http.RevokeTokenAsync(new TokenRevocationRequest
        {
            Address = discovery.RevocationEndpoint,
            ClientId = org.Sandbox.ClientId,
            ClientSecret = org.Sandbox.ClientSecret,
            ClientCredentialStyle = style,
            Token = token.AccessToken!,
        });
        Assert.False(revocation.IsError, revocation.Error);

        var after = await http.IntrospectTokenAsync(new TokenIntrospectionRequest
        {
            Address = discovery.IntrospectionEndpoint,
            ClientId = server.ClientId,
            ClientSecret = server.ClientSecret,
            ClientCredentialStyle = style,
            Token = token.AccessToken!,
        });
        Assert.False(after.IsError, after.Error);
        Assert.False(after.IsActive);
    }

    public void Dispose() => _client.Dispose();
}
