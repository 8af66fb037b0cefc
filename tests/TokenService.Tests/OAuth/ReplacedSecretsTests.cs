using System.Data.Common;
using System.Net;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.EntityFrameworkCore.Models;
using TokenService.OAuth.Lean;
using TokenService.Tests.Infrastructure;

namespace TokenService.Tests.OAuth;

/// <summary>
/// CONTRACT §2: "<c>?revoke_tokens=true</c> also revokes every token issued to that client" — including tokens issued
/// with the old secret while the regeneration was being seen: on another instance within the second it may remember the
/// client, and on any instance between reading the client's row and committing the token's.
/// </summary>
public sealed class ReplacedSecretsTests
{
    [Fact]
    public async Task RegeneratedWithRevokeTokens_ATokenIssuedElsewhereWithTheOldSecretWithinTheBound_IsRevoked()
    {
        await TwoInstances.RunAsync(async (first, second, a, b) =>
        {
            // Arrange: the second instance has verified the app's secret (so its lean path answers it from memory).
            var (org, app) = await CreateAppAsync(a);
            await b.GetTokenAsync(app);
            await b.GetTokenAsync(app);

            // Act: regenerated on the first with revoke_tokens; the second, within its second, still takes the old secret.
            using var regenerate = await a.SendAsync(HttpMethod.Post, $"/management/orgs/{org.Name}/apps/rotating/credentials?revoke_tokens=true",
                ServiceClient.BasicOf(org.Client));
            var leanBefore = second.Services.GetRequiredService<LeanPathCounters>().Tokens;
            var late = await b.GetTokenAsync(app);

            // Assert: answered (by the lean path, from memory) but revoked, on both instances.
            Assert.Equal(HttpStatusCode.OK, regenerate.StatusCode);
            Assert.Equal(leanBefore + 1, second.Services.GetRequiredService<LeanPathCounters>().Tokens);
            Assert.False(await a.IsActiveAsync(org.Client, late));
            Assert.False(await b.IsActiveAsync(org.Client, late));
        });
    }

    [Fact]
    public async Task RegeneratedWithRevokeTokens_ThenAgainWithout_ATokenOfTheFirstSecretIssuedElsewhere_IsStillRevoked()
    {
        await TwoInstances.RunAsync(async (first, second, a, b) =>
        {
            // Arrange
            var (org, app) = await CreateAppAsync(a);
            await b.GetTokenAsync(app);
            await b.GetTokenAsync(app);

            // Act: a revoking regeneration, then one that keeps tokens; the second instance still takes the first secret.
            using var revoking = await a.SendAsync(HttpMethod.Post, $"/management/orgs/{org.Name}/apps/rotating/credentials?revoke_tokens=true",
                ServiceClient.BasicOf(org.Client));
            using var keeping = await a.SendAsync(HttpMethod.Post, $"/management/orgs/{org.Name}/apps/rotating/credentials",
                ServiceClient.BasicOf(org.Client));
            var late = await b.GetTokenAsync(app);

            // Assert: the first regeneration's revocation still reaches it.
            Assert.Equal(HttpStatusCode.OK, revoking.StatusCode);
            Assert.Equal(HttpStatusCode.OK, keeping.StatusCode);
            Assert.False(await a.IsActiveAsync(org.Client, late));
        });
    }

    [Fact]
    public void MarkRegeneration_OverUnreadableProperties_RecordsTheReplacedHashAndRevokes()
    {
        foreach (var unreadable in new[] { "null", "[1]", "{not json", "{\"tokenservice_revoked_secret_hashes\": 3, \"other\": true}" })
        {
            var application = new OpenIddictEntityFrameworkCoreApplication { ClientSecret = "old-hash", Properties = unreadable };

            TokenService.Database.ReplacedSecrets.MarkRegeneration(application, revokeTokens: true);

            Assert.Contains("tokenservice_revoked_secret_hashes\":[\"", application.Properties, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void MarkRegeneration_WithoutRevokeTokens_LeavesTheRowAsItWas()
    {
        var application = new OpenIddictEntityFrameworkCoreApplication { ClientSecret = "old-hash", Properties = "{\"other\":1}" };

        TokenService.Database.ReplacedSecrets.MarkRegeneration(application, revokeTokens: false);

        Assert.Equal("{\"other\":1}", application.Properties);
    }

    [Fact]
    public async Task RegeneratedWithoutRevokeTokens_ATokenIssuedElsewhereWithTheOldSecretWithinTheBound_StaysActive()
    {
        await TwoInstances.RunAsync(async (first, second, a, b) =>
        {
            // Arrange
            var (org, app) = await CreateAppAsync(a);
            await b.GetTokenAsync(app);
            await b.GetTokenAsync(app);

            // Act: a regeneration that keeps the client's tokens.
            using var regenerate = await a.SendAsync(HttpMethod.Post, $"/management/orgs/{org.Name}/apps/rotating/credentials",
                ServiceClient.BasicOf(org.Client));
            var late = await b.GetTokenAsync(app);

            // Assert: nothing revoked it.
            Assert.Equal(HttpStatusCode.OK, regenerate.StatusCode);
            Assert.True(await a.IsActiveAsync(org.Client, late));
        });
    }

    [Fact]
    public async Task RegeneratedWithRevokeTokens_WhileATokenOfTheOldSecretAwaitsItsCommit_TheTokenIsRevoked()
    {
        var hold = new WriterHold();
        await TwoInstances.RunAsync(async (first, second, a, b) =>
        {
            // Arrange: a first use of the secret (OpenIddict's path, which reads the client's row), held by the first
            // instance's writer after the secret was verified and before its transaction begins.
            var (org, app) = await CreateAppAsync(b);
            hold.Arm();
            var issuing = a.RequestTokenAsync(app);
            await Task.WhenAny(hold.Reached, issuing).WaitAsync(TimeSpan.FromSeconds(30));
            Assert.True(hold.Reached.IsCompleted, "the token request ended before it reached the writer");

            // Act: the second instance regenerates with revoke_tokens (and sweeps the client's tokens) meanwhile.
            using var regenerate = await b.SendAsync(HttpMethod.Post, $"/management/orgs/{org.Name}/apps/rotating/credentials?revoke_tokens=true",
                ServiceClient.BasicOf(org.Client));
            hold.Release();
            using var issued = await issuing;

            // Assert: the token committed after the sweep, revoked.
            Assert.Equal(HttpStatusCode.OK, regenerate.StatusCode);
            Assert.Equal(HttpStatusCode.OK, issued.StatusCode);
            var token = System.Text.Json.JsonDocument.Parse(await issued.Content.ReadAsStringAsync()).RootElement.GetProperty("access_token").GetString()!;
            Assert.False(await b.IsActiveAsync(org.Client, token));
        }, hold);
    }

    private static async Task<(TestOrg Org, Credentials App)> CreateAppAsync(ServiceClient client)
    {
        var org = await client.CreateOrgAsync();
        return (org, await client.CreateAppAsync(org, "rotating"));
    }

    /// <summary>
    /// Once armed, holds the token writer's next commit as its transaction begins: after the secret was verified, before
    /// the client's row is read and before any lock is taken (SQLite's would keep the other instance out).
    /// </summary>
    private sealed class WriterHold : DbTransactionInterceptor
    {
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _armed;

        public Task Reached => _reached.Task;

        public void Arm() => Interlocked.Exchange(ref _armed, 1);

        public void Release() => _release.TrySetResult();

        public override async ValueTask<InterceptionResult<DbTransaction>> TransactionStartingAsync(DbConnection connection, TransactionStartingEventData eventData,
            InterceptionResult<DbTransaction> result, CancellationToken cancellationToken = default)
        {
            if (Interlocked.Exchange(ref _armed, 0) == 1)
            {
                _reached.TrySetResult();
                await _release.Task;
            }

            return result;
        }
    }
}
