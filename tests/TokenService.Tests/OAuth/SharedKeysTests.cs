using System.Net;
using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TokenService.Data;
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

    [Fact]
    public async Task StateSeenByOneInstance_ChangedOnAnother_IsSeenWithinOneSecond()
    {
        await TwoInstances.RunAsync(async (first, second, a, b) =>
        {
            var org = await a.CreateOrgAsync();
            var token = await a.GetTokenAsync(org.Sandbox);

            // A has looked at the token and at the app client; B then revokes the token and rotates the secret.
            Assert.True(await a.IsActiveAsync(org.Client, token));
            Assert.True(await a.IsActiveAsync(org.Sandbox, token));
            using var revoke = await b.RevokeAsync(org.Sandbox, token);
            using var rotate = await b.SendAsync(HttpMethod.Post, $"/management/orgs/{org.Name}/apps/sandbox/credentials", ServiceClient.BasicOf(org.Client));

            first.Clock.Advance(TimeSpan.FromSeconds(1));
            Assert.False(await a.IsActiveAsync(org.Client, token));
            using var oldSecret = await a.RequestTokenAsync(org.Sandbox);
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, oldSecret.StatusCode);
        });
    }

    [Fact]
    public async Task RevokedOnAnotherInstance_IsRefusedWithinOneSecond_AndAtOnceWhereRevoked()
    {
        await TwoInstances.RunAsync(async (first, second, a, b) =>
        {
            var org = await a.CreateOrgAsync();
            var token = await a.GetTokenAsync(org.Sandbox);
            Assert.True(await a.IsActiveAsync(org.Client, token));
            Assert.True(await b.IsActiveAsync(org.Client, token));

            using var revoke = await b.RevokeAsync(org.Sandbox, token);

            Assert.False(await b.IsActiveAsync(org.Client, token));

            // A validated the token an instant ago: the contract lets it answer from memory for up to a second.
            Assert.True(await a.IsActiveAsync(org.Client, token));
            first.Clock.Advance(TimeSpan.FromSeconds(1));
            Assert.False(await a.IsActiveAsync(org.Client, token));
        });
    }

    [Fact]
    public async Task SecretRegeneratedOnOneInstance_FailsAtOnceThere_AndWithinASecondOnTheOther_BothForTokensAndTheManagementApi()
    {
        // Arrange: the old secret verified (and so remembered) on both instances.
        await TwoInstances.RunAsync(async (first, second, a, b) =>
        {
            var org = await a.CreateOrgAsync();
            var app = await a.CreateAppAsync(org, "rotating");
            using (var onFirst = await a.RequestTokenAsync(app))
            using (var onSecond = await b.RequestTokenAsync(app))
            {
                Assert.Equal(HttpStatusCode.OK, onFirst.StatusCode);
                Assert.Equal(HttpStatusCode.OK, onSecond.StatusCode);
            }

            using (var warm = await b.SendAsync(HttpMethod.Get, $"/management/orgs/{org.Name}/apps/rotating", ServiceClient.BasicOf(app)))
            {
                Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
            }

            // Act: regenerated on the first, where the old secret fails at once; the other may remember the client for
            // the second CONTRACT §2 allows it, and no longer.
            using var regenerate = await a.SendAsync(HttpMethod.Post, $"/management/orgs/{org.Name}/apps/rotating/credentials", ServiceClient.BasicOf(org.Client));
            using var hereToken = await a.RequestTokenAsync(app);
            second.Clock.Advance(TokenService.Tokens.Freshness.Bound);
            using var thereToken = await b.RequestTokenAsync(app);
            using var thereManagement = await b.SendAsync(HttpMethod.Get, $"/management/orgs/{org.Name}/apps/rotating", ServiceClient.BasicOf(app));

            // Assert
            Assert.Equal(HttpStatusCode.OK, regenerate.StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, hereToken.StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, thereToken.StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, thereManagement.StatusCode);
        });
    }

    [Fact]
    public async Task TtlChangedOnOneInstance_AppliesAtOnceThere_AndWithinASecondOnTheOther()
    {
        // Arrange: both instances have issued a token (and so remember the app's TTL).
        await TwoInstances.RunAsync(async (first, second, a, b) =>
        {
            var org = await a.CreateOrgAsync();
            var app = await a.CreateAppAsync(org, "timed");
            Assert.Equal(604_800, (await a.GetTokenResponseAsync(app)).GetProperty("expires_in").GetInt64());
            Assert.Equal(604_800, (await b.GetTokenResponseAsync(app)).GetProperty("expires_in").GetInt64());

            // Act: the TTL changed on the first; the second's memory of it may last the second CONTRACT §2 allows.
            using var change = await a.SendAsync(HttpMethod.Put, $"/management/orgs/{org.Name}/apps/timed", ServiceClient.BasicOf(org.Client),
                new { accesstokenttl = 60_000 });
            var here = (await a.GetTokenResponseAsync(app)).GetProperty("expires_in").GetInt64();
            second.Clock.Advance(TokenService.Tokens.Freshness.Bound);
            var there = (await b.GetTokenResponseAsync(app)).GetProperty("expires_in").GetInt64();

            // Assert
            Assert.Equal(HttpStatusCode.OK, change.StatusCode);
            Assert.Equal(60, here);
            Assert.Equal(60, there);
        });
    }

    [Fact]
    public async Task WithProtectionKey_StoredKeysAreEncrypted_AndStillSurviveRestart()
    {
        var database = Guid.NewGuid().ToString("N");
        var settings = new Dictionary<string, string?> { ["Keys:ProtectionKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) };
        try
        {
            TestOrg org;
            string token;
            await using (var first = new TokenServiceFactory(database, settings))
            {
                using var a = first.CreateServiceClient();
                org = await a.CreateOrgAsync();
                token = await a.GetTokenAsync(org.Sandbox);
                await using var scope = first.Services.CreateAsyncScope();
                var rows = await scope.ServiceProvider.GetRequiredService<TokenServiceDbContext>().ServerKeys.ToListAsync();
                Assert.Equal(2, rows.Count);
                Assert.All(rows, row => Assert.StartsWith("gcm1.", row.Material, StringComparison.Ordinal));
            }

            await using var restarted = new TokenServiceFactory(database, settings);
            using var b = restarted.CreateServiceClient();
            Assert.True(await b.IsActiveAsync(org.Client, token));
        }
        finally
        {
            TestDatabase.DeleteSqlite(database);
        }
    }

    [Fact]
    public async Task WithConfiguredKeys_NothingIsStored_AndAnyInstanceWithThemReadsTheTokens()
    {
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var settings = new Dictionary<string, string?>
        {
            ["Keys:SigningKey"] = Convert.ToBase64String(ec.ExportPkcs8PrivateKey()),
            ["Keys:EncryptionKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
        };
        await using var factory = new TokenServiceFactory(null, settings);
        using var client = factory.CreateServiceClient();
        var org = await client.CreateOrgAsync();

        var token = await client.GetTokenAsync(org.Sandbox);

        Assert.True(await client.IsActiveAsync(org.Client, token));
        await using var scope = factory.Services.CreateAsyncScope();
        Assert.Empty(await scope.ServiceProvider.GetRequiredService<TokenServiceDbContext>().ServerKeys.ToListAsync());
    }
}
