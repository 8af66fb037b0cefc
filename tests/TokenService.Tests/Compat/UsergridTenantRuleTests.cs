using System.Net;
using TokenService.Tests.Infrastructure;

namespace TokenService.Tests.Compat;

/// <summary>The tenant rule of Usergrid's app paths: another tenant's valid credentials get nothing, and learn nothing more.</summary>
[Collection(SharedHost.Name)]
public sealed class UsergridTenantRuleTests(TokenServiceFactory factory) : IDisposable
{
    private readonly ServiceClient _client = factory.CreateServiceClient();

    [Fact]
    public async Task AppPath_AnotherTenantsClient_IsRefusedInvalidGrant()
    {
        var mine = await _client.CreateOrgAsync();
        var theirs = await _client.CreateOrgAsync();

        using var response = await _client.PostFormAsync($"/{theirs.Name}/sandbox/token", ServiceClient.BasicOf(mine.Sandbox),
            ("grant_type", "client_credentials"));

        await ErrorAssert.HasErrorAsync(response, HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Fact]
    public async Task AppPath_AnotherTenantsClientWithABadTtl_IsRefusedForTheTenant_BeforeTheTtlIsLookedAt()
    {
        // The rule comes before anything is decided or charged for the principal: the answer is the tenant's refusal,
        // not the ttl's.
        var mine = await _client.CreateOrgAsync();
        var theirs = await _client.CreateOrgAsync();

        using var response = await _client.PostFormAsync($"/{theirs.Name}/sandbox/token", ServiceClient.BasicOf(mine.Sandbox),
            ("grant_type", "client_credentials"), ("ttl", "not-a-number"));

        await ErrorAssert.HasErrorAsync(response, HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Fact]
    public async Task AppPath_ItsOwnClient_GetsAToken()
    {
        var org = await _client.CreateOrgAsync();

        using var response = await _client.PostFormAsync($"/{org.Name}/sandbox/token", ServiceClient.BasicOf(org.Sandbox),
            ("grant_type", "client_credentials"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    public void Dispose() => _client.Dispose();
}
