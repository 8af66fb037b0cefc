using TokenService.Tests.Infrastructure;

namespace TokenService.Tests.OAuth;

/// <summary>Keys live in the database: every instance, and every restart, reads the same tokens.</summary>
public sealed class SharedKeysTests
{
    [Fact]
    public async Task TokenIssuedByOneInstance_IsIntrospectedAndRevokedByAnother_AndSurvivesRestart()
    {
        var path = Guid.NewGuid().ToString("N");
        TestOrg org;
        string token;
        await using (var first = new TokenServiceFactory(path, null))
        await using (var second = new TokenServiceFactory(path, null))
        {
            using var a = first.CreateServiceClient();
            using var b = second.CreateServiceClient();
            org = await a.CreateOrgAsync();
            token = await a.GetTokenAsync(org.Sandbox);
            var other = await a.GetTokenAsync(org.Sandbox);

            Assert.True(await b.IsActiveAsync(org.Client, token));
            using var revoke = await b.RevokeAsync(org.Sandbox, other);
            Assert.False(await a.IsActiveAsync(org.Client, other));
        }

        try
        {
            await using var restarted = new TokenServiceFactory(path, null);
            using var c = restarted.CreateServiceClient();
            Assert.True(await c.IsActiveAsync(org.Client, token));
        }
        finally
        {
            TestDatabase.DeleteSqlite(path);
        }
    }
}
